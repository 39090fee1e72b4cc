// Counter and Gauge under concurrency (src/metrics/counter.hpp).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/registry.hpp"

namespace atelier::metrics {
namespace {

TEST(Counter, ConcurrentIncrementsSumExactly) {
  Counter counter;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < kPerThread; ++i) counter.inc();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kPerThread);
}

TEST(Counter, LabeledChildrenResolvedConcurrentlyAreShared) {
  Registry registry;
  auto& family = registry.counter_family("requests_total", "Requests.", {"route"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&family] {
      // Each thread resolves the same label tuple itself, as request handlers would.
      Counter& counter = family.with_labels({"/products"});
      for (int i = 0; i < kPerThread; ++i) counter.inc();
      family.with_labels({"/cart"}).inc(2);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family.with_labels({"/products"}).value(), std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(family.with_labels({"/cart"}).value(), std::uint64_t{kThreads} * 2);
}

TEST(Gauge, SetAddAndConcurrentAdds) {
  Gauge gauge;
  gauge.set(10);
  gauge.add(-2.5);
  EXPECT_DOUBLE_EQ(gauge.value(), 7.5);
  gauge.set(0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&gauge] {
      for (int i = 0; i < kPerThread; ++i) {
        gauge.inc();
        gauge.add(1.0);
        gauge.dec();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(gauge.value(), double{kThreads} * kPerThread);
}

}  // namespace
}  // namespace atelier::metrics
