// "Redis is an accelerator, never a dependency": behaviour when Redis is absent, killed, restarted,
// silent, or password-protected. These tests start their own redis-server children on free ports
// (`redis-server --port P --save '' --appendonly no`) and kill them; they do not use REDIS_URL.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/cache.hpp"
#include "cache/read_through.hpp"
#include "cache/redis_connection.hpp"
#include "cache/single_flight.hpp"
#include "polling.hpp"

extern char** environ;

namespace atelier::cache {
namespace {

using atelier::testing::eventually;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Owns one file descriptor (test-only sockets).
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A loopback TCP socket bound to an ephemeral port; with listen() it accepts connections into the
// backlog but never answers (a "hung" Redis).
FileDescriptor bind_loopback(int& port) {
  FileDescriptor socket_fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ADD_FAILURE() << "bind failed";
  }
  socklen_t size = sizeof address;
  ::getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &size);
  port = ntohs(address.sin_port);
  return socket_fd;
}

int free_port() {
  int port = 0;
  bind_loopback(port);  // closed again at once; the kernel does not hand it out right away
  return port;
}

// A redis-server child process; SIGKILLed and reaped on stop() / destruction.
class ChildRedis {
 public:
  explicit ChildRedis(int port, std::vector<std::string> extra_args = {})
      : port_(port), extra_args_(std::move(extra_args)) {
    start();
  }
  ~ChildRedis() { stop(); }
  ChildRedis(const ChildRedis&) = delete;
  ChildRedis& operator=(const ChildRedis&) = delete;

  int port() const { return port_; }

  void start() {
    std::vector<std::string> args = {
        "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",  "--save", "",
        "--appendonly", "no",     "--daemonize",         "no",     "--loglevel", "warning"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "redis-server", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "could not start redis-server (is the redis-server package installed?)";
    wait_until_listening();
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  void wait_until_listening() {
    RedisOptions options;
    options.port = port_;
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      RedisConnection connection(options);
      const auto status = connection.ping();
      // NOAUTH (a server error) also proves the server is up.
      if (status.ok() || status.error == RedisError::server) return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "redis-server on port " << port_ << " did not start within 5 s";
  }

  int port_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

CacheOptions fast_backoff_options(int port) {
  CacheOptions options;
  options.redis = RedisOptions{};
  options.redis->port = port;
  options.backoff = BackoffPolicy{3, 100ms, 400ms};
  return options;
}

class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }  // LIBRARY-NOTES §3: hiredis write(2)
};

TEST_F(RedisOutageTest, NothingListeningFailsFastAndBacksOff) {
  ReadThrough read_through(fast_backoff_options(free_port()), 0);
  Cache& cache = read_through.cache();
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    EXPECT_FALSE(cache.get("atelier:product:1:01"));
    cache.put("atelier:product:1:01", Entry{200, "", "{}"}, 10s);
    const Entry entry = *read_through.fetch("atelier:product:1:01", true, [] {
      return Loaded{Entry{200, "\"e\"", "{\"id\":1}"}, "atelier:product:1:01", 10s};
    });
    EXPECT_EQ(entry.body, "{\"id\":1}");  // the database answer is served regardless
    EXPECT_LT(Clock::now() - start, 250ms);
  }
  EXPECT_EQ(cache.state(), CacheState::backoff);
  EXPECT_EQ(cache.counters().errors.load(), 3u);  // then back-off: no more attempts
  EXPECT_GT(cache.counters().skipped.load(), 0u);
}

TEST_F(RedisOutageTest, SilentServerTimesOutWithinTheCommandTimeout) {
  int port = 0;
  const FileDescriptor listener = bind_loopback(port);
  ASSERT_EQ(::listen(listener.get(), 16), 0);
  RedisOptions options;
  options.port = port;
  options.command_timeout = 100ms;
  RedisConnection connection(options);
  const auto start = Clock::now();
  const auto read = connection.get("k");
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(read.error, RedisError::timeout) << read.message;
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 400ms);
  EXPECT_FALSE(connection.connected());  // a timed-out context is never reused
}

TEST_F(RedisOutageTest, KilledRedisDegradesThenRecoversAfterRestart) {
  ChildRedis redis(free_port());
  Cache cache(fast_backoff_options(redis.port()));
  const Entry entry{200, "\"e\"", "{\"id\":7}"};
  cache.put("atelier:v1:product:7", entry, 60s);
  ASSERT_EQ(cache.get("atelier:v1:product:7"), entry);
  ASSERT_EQ(cache.state(), CacheState::up);

  redis.stop();
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    EXPECT_NO_THROW({
      EXPECT_FALSE(cache.get("atelier:v1:product:7"));
      cache.put("atelier:v1:product:7", entry, 60s);
    });
    EXPECT_LT(Clock::now() - start, 250ms) << "call " << i;
  }
  EXPECT_EQ(cache.state(), CacheState::backoff);

  redis.start();  // same port, empty (no persistence)
  EXPECT_TRUE(eventually([&] { return cache.state() == CacheState::up; }, 5s))
      << "cache did not leave back-off within 5 s of Redis coming back";
  cache.put("atelier:v1:product:7", entry, 60s);
  EXPECT_EQ(cache.get("atelier:v1:product:7"), entry);
}

TEST_F(RedisOutageTest, ProbeKeepsBackingOffWhileRedisStaysDown) {
  Cache cache(fast_backoff_options(free_port()));
  for (int i = 0; i < 3; ++i) cache.get("k");
  ASSERT_EQ(cache.state(), CacheState::backoff);
  // 100 ms, then 200, then 400 (capped): the period grows while probes fail.
  EXPECT_TRUE(eventually([&] { return cache.health().backoff_period() == 400ms; }, 3s));
  EXPECT_EQ(cache.state(), CacheState::backoff);
}

TEST_F(RedisOutageTest, PasswordIsSentWhenConfigured) {
  ChildRedis redis(free_port(), {"--requirepass", "s3cret pw"});
  CacheOptions options = fast_backoff_options(redis.port());
  options.redis->password = "s3cret pw";
  Cache cache(options);
  const Entry entry{200, "\"p\"", "[]"};
  cache.put("atelier:v1:related:1", entry, 10s);
  EXPECT_EQ(cache.get("atelier:v1:related:1"), entry);
  EXPECT_EQ(cache.state(), CacheState::up);
  EXPECT_EQ(cache.counters().errors.load(), 0u);
}

TEST_F(RedisOutageTest, MissingPasswordIsAServerErrorOnAnOpenConnection) {
  ChildRedis redis(free_port(), {"--requirepass", "pw"});
  RedisOptions options;
  options.port = redis.port();
  RedisConnection connection(options);
  const auto read = connection.get("k");
  EXPECT_EQ(read.error, RedisError::server);
  EXPECT_NE(read.message.find("NOAUTH"), std::string::npos) << read.message;
  EXPECT_TRUE(connection.connected());
}

TEST_F(RedisOutageTest, WrongPasswordClosesTheConnectionAndBacksOff) {
  ChildRedis redis(free_port(), {"--requirepass", "right"});
  CacheOptions options = fast_backoff_options(redis.port());
  options.redis->password = "wrong";
  RedisConnection connection(*options.redis);
  const auto status = connection.connect();
  EXPECT_EQ(status.error, RedisError::closed);
  EXPECT_FALSE(connection.connected());

  Cache cache(options);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(cache.get("k"));
  EXPECT_EQ(cache.state(), CacheState::backoff);
}

TEST_F(RedisOutageTest, SelectsTheConfiguredDatabase) {
  ChildRedis redis(free_port());
  RedisOptions db3;
  db3.port = redis.port();
  db3.db = 3;
  RedisOptions db0 = db3;
  db0.db = 0;
  RedisConnection in_db3(db3);
  RedisConnection in_db0(db0);
  ASSERT_TRUE(in_db3.set("k", "three", 10s).ok());
  EXPECT_EQ(in_db3.get("k").value, "three");
  EXPECT_EQ(in_db0.get("k").error, RedisError::miss);
}

}  // namespace
}  // namespace atelier::cache
