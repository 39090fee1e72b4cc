#include "catalog/query_watchdog.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <thread>

namespace atelier::catalog {
namespace {

using namespace std::chrono_literals;

// Both ends of a connected pair of sockets, closed at the end.
struct SocketPair {
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds.data()), 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  std::array<int, 2> fds{-1, -1};
};

TEST(QueryWatchdog, AQueryPastTheLimitHasItsSocketShutDownSoTheWaitEnds) {
  QueryWatchdog watchdog;
  watchdog.set_limit(50ms);
  SocketPair pair;
  const auto watch = watchdog.watch(pair.fds[0]);
  char byte = 0;
  // The peer never writes: without the watchdog this read would block for good.
  EXPECT_EQ(::recv(pair.fds[0], &byte, 1, 0), 0);
  EXPECT_EQ(watchdog.expired(), 1u);
}

TEST(QueryWatchdog, AQueryThatEndedInTimeKeepsItsSocket) {
  QueryWatchdog watchdog;
  watchdog.set_limit(50ms);
  SocketPair pair;
  { const auto watch = watchdog.watch(pair.fds[0]); }
  // A query watched after that one ended, left to run past the limit: once its wait is cut off,
  // the watchdog has certainly been past the first one's deadline too (no guessed sleep).
  SocketPair later;
  const auto watch = watchdog.watch(later.fds[0]);
  char cut = 0;
  EXPECT_EQ(::recv(later.fds[0], &cut, 1, 0), 0);
  EXPECT_EQ(watchdog.expired(), 1u) << "only the query still running is cut off";
  const char byte = 'x';
  ASSERT_EQ(::send(pair.fds[1], &byte, 1, 0), 1);
  char got = 0;
  EXPECT_EQ(::recv(pair.fds[0], &got, 1, 0), 1);
  EXPECT_EQ(got, 'x');
}

TEST(QueryWatchdog, SeveralStatementsGetTheLimitEach) {
  QueryWatchdog watchdog;
  watchdog.set_limit(100ms);
  SocketPair pair;
  const auto started = std::chrono::steady_clock::now();
  const auto watch = watchdog.watch(pair.fds[0], 4);
  char byte = 0;
  EXPECT_EQ(::recv(pair.fds[0], &byte, 1, 0), 0);
  // Cut off, but not before four statements' worth of time.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
  EXPECT_EQ(watchdog.expired(), 1u);
}

TEST(QueryWatchdog, WithoutALimitNothingIsShutDown) {
  QueryWatchdog watchdog;
  SocketPair pair;
  const auto watch = watchdog.watch(pair.fds[0]);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(watchdog.expired(), 0u);
}

}  // namespace
}  // namespace atelier::catalog
