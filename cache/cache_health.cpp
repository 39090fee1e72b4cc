#include "cache/cache_health.hpp"

#include <algorithm>

#include "cache/redis_connection.hpp"

namespace atelier::cache {

std::string_view to_string(CacheState state) {
  switch (state) {
    case CacheState::up:
      return "up";
    case CacheState::backoff:
      return "backoff";
    case CacheState::disabled:
      return "disabled";
  }
  return "unknown";
}

CacheHealth::CacheHealth(BackoffPolicy policy, bool enabled)
    : policy_(policy),
      state_(enabled ? CacheState::up : CacheState::disabled),
      period_ms_(policy.initial.count()) {}

bool CacheHealth::record_failure() {
  const int failures = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < policy_.failures_before_backoff) return false;
  bool entered = false;
  {
    std::lock_guard lock(transition_mutex_);
    CacheState expected = CacheState::up;
    entered =
        state_.compare_exchange_strong(expected, CacheState::backoff, std::memory_order_acq_rel);
  }
  if (entered) {
    backoffs_.fetch_add(1, std::memory_order_relaxed);
    transition_.notify_all();
  }
  return entered;
}

std::chrono::milliseconds CacheHealth::backoff_period() const {
  return std::chrono::milliseconds(period_ms_.load(std::memory_order_relaxed));
}

void CacheHealth::probe_succeeded() {
  std::lock_guard lock(transition_mutex_);
  period_ms_.store(policy_.initial.count(), std::memory_order_relaxed);
  consecutive_failures_.store(0, std::memory_order_relaxed);
  CacheState expected = CacheState::backoff;
  state_.compare_exchange_strong(expected, CacheState::up, std::memory_order_acq_rel);
}

void CacheHealth::probe_failed() {
  const auto doubled =
      std::min(period_ms_.load(std::memory_order_relaxed) * 2, policy_.max.count());
  period_ms_.store(std::max<std::int64_t>(doubled, 1), std::memory_order_relaxed);
}

bool CacheHealth::wait_for_backoff(std::stop_token stop) {
  std::unique_lock lock(transition_mutex_);
  return transition_.wait(lock, stop, [this] { return state() == CacheState::backoff; });
}

bool CacheHealth::sleep_for(std::stop_token stop, std::chrono::milliseconds period) {
  std::unique_lock lock(transition_mutex_);
  // The predicate only turns true on stop; wait_for returns it, so false means "slept in full".
  transition_.wait_for(lock, stop, period, [] { return false; });
  return !stop.stop_requested();
}

RecoveryProbe::RecoveryProbe(CacheHealth& health, RedisOptions options, ProbeCommand command)
    : health_(health),
      options_(std::move(options)),
      command_(command),
      thread_([this](std::stop_token stop) { run(stop); }) {}

void RecoveryProbe::run(std::stop_token stop) {
  while (health_.wait_for_backoff(stop)) {
    if (!health_.sleep_for(stop, health_.backoff_period())) return;
    // A fresh connection per probe: an idle one could have been closed by the server's `timeout`
    // and would report a false failure.
    RedisConnection connection(options_);
    bool answered = false;
    if (command_ == ProbeCommand::ping) {
      answered = connection.ping().ok();
    } else {
      const auto read = connection.get("atelier:probe");
      answered = read.ok() || read.error == RedisError::miss;
    }
    if (answered) {
      health_.probe_succeeded();
    } else {
      health_.probe_failed();
    }
  }
}

}  // namespace atelier::cache
