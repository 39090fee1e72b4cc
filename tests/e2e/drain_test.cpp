// SIGTERM drains a host (README "Stopping a host"): /readyz turns 503, idle keep-alive
// connections are closed and every later answer says Connection: close, what is in flight
// finishes, and the process exits within its bound. A sixth host of its own (DRAIN_HOST_PORT).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "cart_client.hpp"
#include "frozen_database.hpp"
#include "http_client.hpp"
#include "polling.hpp"
#include "stack_control.hpp"

using namespace atelier::testing;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kHost = 6;

bool process_alive(int pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

class Drain : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "http://127.0.0.1:" + required_env("DRAIN_HOST_PORT");
    // A database deadline (8 s) longer than a request is kept in flight below, so that request
    // is answered by the database, not by the deadline's 503.
    ASSERT_EQ(
        stack_control({"host", "start", std::to_string(kHost), required_env("DRAIN_HOST_PORT"),
                       "ATELIER_DRAIN_DELAY_MS=1500", "ATELIER_DRAIN_TIMEOUT_S=10",
                       "ATELIER_DB_DEADLINE_MS=8000", "ATELIER_THREADS=2"}),
        0);
    ASSERT_TRUE(eventually([&] { return http_get(url_, "/readyz").status == 200; }));
    pid_ = host_pid(kHost);
    ASSERT_TRUE(process_alive(pid_));
  }
  void TearDown() override { stack_control({"host", "stop", std::to_string(kHost)}); }

  std::string url_;
  int pid_ = -1;
};

}  // namespace

TEST_F(Drain, SigtermTurnsReadyzClosesIdleConnectionsAnswersWithCloseAndExits) {
  HttpConnection idle(url_);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send("GET /products/1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto first = idle.read_response();
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("connection").value_or(""), "keep-alive");

  const auto start = Clock::now();
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  // The idle keep-alive connection is closed at once, so a balancer opens a new one elsewhere.
  EXPECT_TRUE(idle.closed_by_server());
  // During the drain delay the host still answers, and says it is going.
  EXPECT_TRUE(eventually([&] { return http_get(url_, "/readyz").status == 503; }));
  const auto readyz = http_get(url_, "/readyz");
  EXPECT_NE(readyz.body.find("draining"), std::string::npos) << readyz.body;
  HttpConnection during(url_);
  ASSERT_TRUE(during.connected());
  ASSERT_TRUE(during.send("GET /products/2 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"));
  const auto answered = during.read_response();
  EXPECT_EQ(answered.status, 200);
  EXPECT_EQ(answered.header("connection").value_or(""), "close");
  EXPECT_TRUE(during.closed_by_server());
  // Exits by itself: the drain delay (1.5 s) and nothing in flight.
  EXPECT_TRUE(eventually([&] { return !process_alive(pid_); }, std::chrono::seconds(10)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
}

TEST_F(Drain, ARequestInFlightFinishesBeforeTheHostExits) {
  const std::string token = "drain-test-in-flight-" + std::to_string(::getpid());
  // The add waits on a stopped database, so it is surely in flight when SIGTERM comes.
  HttpResponse added;
  {
    FrozenDatabase frozen;
    ASSERT_TRUE(frozen.frozen());
    std::thread client([&] { added = cart_add(url_, token, 1, {}, 20000); });
    // A head start for the request to reach the host (no state of the host shows it queued).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(::kill(pid_, SIGTERM), 0);
    EXPECT_TRUE(eventually([&] { return http_get(url_, "/readyz").status == 503; }))
        << "the host did not start draining";
    // Past the drain delay (1.5 s), the host is still there: it waits for the request.
    EXPECT_FALSE(eventually([&] { return !process_alive(pid_); }, std::chrono::milliseconds(2000)))
        << "exited with a request in flight";
    frozen.thaw();
    client.join();
  }
  EXPECT_EQ(added.status, 201) << added.body << added.error;
  EXPECT_EQ(added.header("connection").value_or(""), "close");
  EXPECT_TRUE(eventually([&] { return !process_alive(pid_); }, std::chrono::seconds(10)));
  // The unit is in the cart (read through host 1).
  EXPECT_EQ(http_get(required_env("HOST1_URL"), "/cart", {{"Authorization", token}}).body,
            cart_of_one(1, 1));
}
