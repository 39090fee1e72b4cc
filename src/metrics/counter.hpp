// Counter and Gauge: single atomics, safe to update from every reactor thread without a lock.
#pragma once

#include <atomic>
#include <cstdint>

namespace atelier::metrics {

enum class MetricType { counter, gauge, histogram };

// Monotonic count (requests, cache hits, errors). Relaxed ordering: the value is only read by the
// /metrics render, which needs no ordering with other memory, and a relaxed fetch_add is the
// cheapest atomic increment there is.
class Counter {
 public:
  struct Options {};  // nothing to configure; lets Family<Counter> treat all metrics alike
  static constexpr MetricType kType = MetricType::counter;

  Counter() = default;
  explicit Counter(const Options& /*options*/) {}
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void inc(std::uint64_t amount = 1) noexcept {
    value_.fetch_add(amount, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (connections in flight, cache entries). add() is a C++20
// atomic<double>::fetch_add (a compare-exchange loop, lock-free on x86-64).
class Gauge {
 public:
  struct Options {};
  static constexpr MetricType kType = MetricType::gauge;

  Gauge() = default;
  explicit Gauge(const Options& /*options*/) {}
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace atelier::metrics
