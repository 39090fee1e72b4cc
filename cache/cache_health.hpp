// "Redis is an accelerator, never a dependency": after a few consecutive outages the cache stops
// talking to Redis for a while (back-off), so a dead or slow Redis costs requests nothing, and a
// background probe turns it back on once Redis answers PING again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <thread>

#include "cache/redis_options.hpp"

namespace atelier::cache {

enum class CacheState {
  up,        // get/put talk to Redis
  backoff,   // Redis failed recently: get/put return at once; the probe PINGs until it answers
  disabled,  // no REDIS_URL configured: get/put never talk to Redis
};

std::string_view to_string(CacheState state);

struct BackoffPolicy {
  int failures_before_backoff = 3;  // K consecutive io/timeout/closed failures
  std::chrono::milliseconds initial{
      1000};                             // first back-off period, doubled after each failed probe
  std::chrono::milliseconds max{10000};  // ... up to this
};

// Shared by every worker thread: the hot path reads one atomic; transitions are rare and take a
// mutex only so the probe thread can sleep on a condition variable without missing a wake-up.
class CacheHealth {
 public:
  explicit CacheHealth(BackoffPolicy policy, bool enabled = true);

  CacheState state() const { return state_.load(std::memory_order_acquire); }
  const BackoffPolicy& policy() const { return policy_; }

  // A Redis call answered (hit, miss or server error reply): the failure streak is over.
  void record_success() {
    if (consecutive_failures_.load(std::memory_order_relaxed) != 0) {
      consecutive_failures_.store(0, std::memory_order_relaxed);
    }
  }
  // A Redis call failed with an outage (is_outage). Returns true when this failure started a
  // back-off period.
  bool record_failure();

  // Probe side.
  std::chrono::milliseconds backoff_period() const;
  void probe_succeeded();  // backoff -> up; period back to policy.initial
  void probe_failed();     // period doubles, capped at policy.max
  // Blocks until the state is backoff (true) or stop is requested (false).
  bool wait_for_backoff(std::stop_token stop);
  // Sleeps for `period` unless stop is requested first (then false).
  bool sleep_for(std::stop_token stop, std::chrono::milliseconds period);

  // For /metrics: how many times the cache entered back-off.
  std::uint64_t backoffs() const { return backoffs_.load(std::memory_order_relaxed); }

 private:
  const BackoffPolicy policy_;
  std::atomic<CacheState> state_;
  std::atomic<int> consecutive_failures_{0};
  std::atomic<std::int64_t> period_ms_;
  std::atomic<std::uint64_t> backoffs_{0};
  std::mutex transition_mutex_;
  std::condition_variable_any transition_;
};

// What the probe asks. A replica answers PING while it is LOADING a dataset or cut off from its
// master, but refuses reads then: a read endpoint is probed with a GET, which must answer (hit or
// miss) for the endpoint to be used again.
enum class ProbeCommand { ping, get };

// Owns the background thread that, while the cache is in back-off, waits one back-off period and
// then probes Redis on a fresh connection; joins on destruction (std::jthread + stop_token).
class RecoveryProbe {
 public:
  RecoveryProbe(CacheHealth& health, RedisOptions options,
                ProbeCommand command = ProbeCommand::ping);
  RecoveryProbe(const RecoveryProbe&) = delete;
  RecoveryProbe& operator=(const RecoveryProbe&) = delete;
  ~RecoveryProbe() = default;  // jthread: request_stop() wakes the waits, then join()

 private:
  void run(std::stop_token stop);

  CacheHealth& health_;
  const RedisOptions options_;
  const ProbeCommand command_;
  std::jthread thread_;  // last member: started after, and joined before, everything it uses
};

}  // namespace atelier::cache
