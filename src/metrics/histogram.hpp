// Latency histogram with fixed bucket bounds, observed on the hot path of every request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "metrics/counter.hpp"

namespace atelier::metrics {

// 50 µs .. 5 s in a 1-2.5-5 progression: a Redis hit on this box answers in ~100 µs, a cold
// Postgres read in milliseconds, and the field's SLO is p95 < 2 s (CONTRACT §5), so both ends of
// that range get resolution.
std::span<const double> default_latency_buckets() noexcept;

struct HistogramSnapshot {
  std::vector<double> upper_bounds;              // finite bounds, ascending; +Inf is implicit
  std::vector<std::uint64_t> cumulative_counts;  // upper_bounds.size() + 1 entries, last = +Inf
  double sum = 0;
  std::uint64_t count = 0;  // == cumulative_counts.back()
};

// Prometheus histogram: a value v lands in the first bucket whose upper bound is >= v ("le" =
// less-or-equal), or in +Inf. observe() is two relaxed atomic adds and a binary search over the
// bounds: no lock, no allocation. Bucket counts are kept per bucket (not cumulative) so one
// observation touches one counter; the render accumulates them. _count is derived from the
// buckets, so it always agrees with them; _sum may trail them by in-flight observations, which
// Prometheus tolerates.
class Histogram {
 public:
  struct Options {
    std::vector<double> upper_bounds;
  };
  static constexpr MetricType kType = MetricType::histogram;

  // Throws std::invalid_argument unless the bounds are finite and strictly increasing.
  explicit Histogram(std::span<const double> upper_bounds);
  explicit Histogram(const Options& options) : Histogram(options.upper_bounds) {}
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is dropped: it belongs to no bucket and would poison _sum forever.
  void observe(double value) noexcept;

  HistogramSnapshot snapshot() const;
  std::span<const double> upper_bounds() const noexcept { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> bucket_counts_;  // upper_bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// Observes the elapsed wall time in seconds into a histogram when it goes out of scope.
class LatencyTimer {
 public:
  explicit LatencyTimer(Histogram& histogram) noexcept
      : histogram_(&histogram), start_(std::chrono::steady_clock::now()) {}
  ~LatencyTimer() {
    if (histogram_ != nullptr) histogram_->observe(elapsed_seconds());
  }
  LatencyTimer(const LatencyTimer&) = delete;
  LatencyTimer& operator=(const LatencyTimer&) = delete;

  double elapsed_seconds() const noexcept {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  // Observe nothing (e.g. the request was answered by a different path that times itself).
  void cancel() noexcept { histogram_ = nullptr; }

 private:
  Histogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace atelier::metrics
