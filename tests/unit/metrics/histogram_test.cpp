// Histogram bucket placement and concurrency (src/metrics/histogram.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "metrics/histogram.hpp"

namespace atelier::metrics {
namespace {

TEST(Histogram, ValueOnABoundCountsInThatBucket) {
  const double bounds[] = {0.001, 0.01, 0.1};
  Histogram h(bounds);
  h.observe(0.001);                     // == first bound -> le="0.001"
  h.observe(std::nextafter(0.001, 1));  // just above -> le="0.01"
  h.observe(0.1);                       // == last bound -> le="0.1"
  h.observe(0.1000001);                 // above the last bound -> +Inf only
  h.observe(0);                         // below everything -> first bucket
  h.observe(-1);                        // negative -> first bucket too
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative_counts, (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(s.count, 6u);
}

TEST(Histogram, NanIsDroppedInfinityGoesToInf) {
  const double bounds[] = {1.0};
  Histogram h(bounds);
  h.observe(std::numeric_limits<double>::quiet_NaN());
  h.observe(std::numeric_limits<double>::infinity());
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative_counts, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_TRUE(std::isinf(s.sum));
}

TEST(Histogram, DefaultLatencyBucketsSpan50MicrosecondsTo5Seconds) {
  const auto bounds = default_latency_buckets();
  ASSERT_FALSE(bounds.empty());
  EXPECT_DOUBLE_EQ(bounds.front(), 0.00005);
  EXPECT_DOUBLE_EQ(bounds.back(), 5.0);
  for (std::size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
  Histogram h(bounds);
  h.observe(0.00005);
  h.observe(0.0001);
  EXPECT_EQ(h.snapshot().cumulative_counts[0], 1u);
  EXPECT_EQ(h.snapshot().cumulative_counts[1], 2u);
}

TEST(Histogram, RejectsBadBounds) {
  const double unsorted[] = {0.1, 0.01};
  const double duplicate[] = {0.1, 0.1};
  const double infinite[] = {0.1, std::numeric_limits<double>::infinity()};
  EXPECT_THROW(Histogram{unsorted}, std::invalid_argument);
  EXPECT_THROW(Histogram{duplicate}, std::invalid_argument);
  EXPECT_THROW(Histogram{infinite}, std::invalid_argument);
  EXPECT_NO_THROW(Histogram{std::span<const double>{}});  // only +Inf
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  const double bounds[] = {0.25, 0.75};
  Histogram h(bounds);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      // 0.5 and 1.0 are exact in binary, so the sum is exact whatever the interleaving.
      const double value = t % 2 == 0 ? 0.5 : 1.0;
      for (int i = 0; i < kPerThread; ++i) h.observe(value);
    });
  }
  for (auto& thread : threads) thread.join();
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative_counts, (std::vector<std::uint64_t>{0, 2 * kPerThread, 4 * kPerThread}));
  EXPECT_EQ(s.sum, 2 * kPerThread * 0.5 + 2 * kPerThread * 1.0);
}

TEST(LatencyTimer, ObservesOnceOnScopeExitUnlessCancelled) {
  Histogram h(default_latency_buckets());
  { LatencyTimer timer(h); }
  {
    LatencyTimer timer(h);
    timer.cancel();
  }
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count, 1u);
  EXPECT_GE(s.sum, 0.0);
}

}  // namespace
}  // namespace atelier::metrics
