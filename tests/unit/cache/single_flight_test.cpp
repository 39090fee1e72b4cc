#include "cache/single_flight.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "polling.hpp"

namespace atelier::cache {
namespace {

using namespace std::chrono_literals;

using atelier::testing::eventually;

// Each loader is held open (a latch) until every other thread is certain to have arrived while the
// load is in flight: the test polls the waits single flight counts instead of sleeping for a
// guessed time.

TEST(SingleFlight, ConcurrentCallersForOneKeyShareOneLoad) {
  CacheCounters counters;
  SingleFlight flight(counters);
  constexpr int kThreads = 8;
  std::atomic<int> loads{0};
  std::latch release(1);
  std::vector<Entry> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = flight.load_once("atelier:v1:product:1", [&] {
        ++loads;
        release.wait();
        return Entry{200, "\"tag\"", "{\"id\":1}"};
      });
    });
  }
  EXPECT_TRUE(
      eventually([&] { return counters.single_flight_waits.load() == kThreads - 1; }, 5s, 1ms));
  release.count_down();
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(counters.single_flight_waits.load(), static_cast<std::uint64_t>(kThreads - 1));
  for (const Entry& result : results) EXPECT_EQ(result, (Entry{200, "\"tag\"", "{\"id\":1}"}));
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlight, ExceptionReachesTheLoaderAndEveryWaiter) {
  CacheCounters counters;
  SingleFlight flight(counters);
  constexpr int kThreads = 6;
  std::latch release(1);
  std::atomic<int> loads{0};
  std::atomic<int> thrown{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      try {
        flight.load_once("k", [&]() -> Entry {
          ++loads;
          release.wait();
          throw std::runtime_error("database down");
        });
      } catch (const std::runtime_error& error) {
        if (std::string(error.what()) == "database down") ++thrown;
      }
    });
  }
  EXPECT_TRUE(
      eventually([&] { return counters.single_flight_waits.load() == kThreads - 1; }, 5s, 1ms));
  release.count_down();
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(thrown.load(), kThreads);
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlight, DifferentKeysLoadConcurrently) {
  CacheCounters counters;
  SingleFlight flight(counters);
  // Each loader waits until both are running: this deadlocks (and times out) if keys serialise.
  std::latch both_running(2);
  auto load = [&](std::string key) {
    return flight.load_once(key, [&, key] {
      both_running.arrive_and_wait();
      return Entry{200, "", key};
    });
  };
  Entry a;
  Entry b;
  std::thread first([&] { a = load("a"); });
  std::thread second([&] { b = load("b"); });
  first.join();
  second.join();
  EXPECT_EQ(a.body, "a");
  EXPECT_EQ(b.body, "b");
  EXPECT_EQ(counters.single_flight_waits.load(), 0u);
}

TEST(SingleFlight, SlotIsRemovedSoTheNextCallLoadsAgain) {
  CacheCounters counters;
  SingleFlight flight(counters);
  int loads = 0;
  auto loader = [&] {
    ++loads;
    return Entry{200, "", std::to_string(loads)};
  };
  EXPECT_EQ(flight.load_once("k", loader).body, "1");
  EXPECT_EQ(flight.load_once("k", loader).body, "2");
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlight, KeyCanBeReusedAfterAFailedLoad) {
  CacheCounters counters;
  SingleFlight flight(counters);
  EXPECT_THROW(flight.load_once("k", []() -> Entry { throw std::runtime_error("x"); }),
               std::runtime_error);
  EXPECT_EQ(flight.load_once("k", [] { return Entry{404, "", "{}"}; }).status, 404);
}

}  // namespace
}  // namespace atelier::cache
