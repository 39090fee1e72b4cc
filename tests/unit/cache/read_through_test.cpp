// cache::ReadThrough against a fake loader, with Redis off: the in-process tier, where answers are
// stored, what is never stored, forget(), and single flight.
#include "cache/read_through.hpp"
#include "polling.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace atelier::cache {
namespace {

using atelier::testing::eventually;

using namespace std::chrono_literals;

constexpr std::size_t kLocalBytes = 1 << 20;

Loaded ok(std::string key, std::string body) {
  return Loaded{Entry{200, "\"etag\"", std::move(body)}, std::move(key)};
}

TEST(ReadThrough, SecondFetchIsAnInProcessHit) {
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return ok("atelier:styles:1:01", "[1]");
  };
  EXPECT_EQ(cache.fetch("atelier:styles:1:01", true, loader)->body, "[1]");
  EXPECT_EQ(cache.fetch("atelier:styles:1:01", true, loader)->body, "[1]");
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(cache.local_hits(), 1u);
  EXPECT_EQ(cache.local_entries(), 1u);
}

TEST(ReadThrough, StoresUnderTheKeyTheLoaderNames) {
  // The rows came from another revision than the one looked up: the bytes go under theirs.
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return ok("atelier:product:1:02", "{\"id\":1}");
  };
  cache.fetch("atelier:product:1:01", true, loader);
  cache.fetch("atelier:product:1:02", true, loader);
  EXPECT_EQ(loads, 1);
  cache.fetch("atelier:product:1:01", true, loader);
  EXPECT_EQ(loads, 2);
}

TEST(ReadThrough, FailuresNotFoundAndUnkeyedAnswersAreNeverStored) {
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  int loads = 0;
  const std::vector<Loaded> answers = {
      Loaded{Entry{503, "", "{\"error\":\"later\"}"}, "k"},
      Loaded{Entry{404, "", "{\"error\":\"no\"}"}, "k"},
      Loaded{Entry{200, "\"e\"", "[]"}, ""},
  };
  for (const auto& answer : answers) {
    cache.fetch("k", true, [&] {
      ++loads;
      return answer;
    });
    cache.fetch("k", true, [&] {
      ++loads;
      return answer;
    });
  }
  EXPECT_EQ(loads, 6);
  EXPECT_EQ(cache.local_entries(), 0u);
}

TEST(ReadThrough, WithoutLookUpEveryCallLoads) {
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return ok("atelier:related:3:0a", "[4]");
  };
  cache.fetch("atelier:pending:3:related", false, loader);
  cache.fetch("atelier:pending:3:related", false, loader);
  EXPECT_EQ(loads, 2);
  // ...but what it loaded is stored where a lookup will find it.
  cache.fetch("atelier:related:3:0a", true, loader);
  EXPECT_EQ(loads, 2);
}

TEST(ReadThrough, ForgetDropsTheEntry) {
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return ok("atelier:styles:9:01", "[9]");
  };
  cache.fetch("atelier:styles:9:01", true, loader);
  const std::string keys[] = {"atelier:styles:9:01", "atelier:styles:9:unknown"};
  cache.forget(keys);
  EXPECT_EQ(cache.local_entries(), 0u);
  cache.fetch("atelier:styles:9:01", true, loader);
  EXPECT_EQ(loads, 2);
}

TEST(ReadThrough, LoaderExceptionReachesTheCallerAndStoresNothing) {
  ReadThrough cache(CacheOptions{}, kLocalBytes);
  EXPECT_THROW(cache.fetch("k", true, []() -> Loaded { throw std::runtime_error("db down"); }),
               std::runtime_error);
  EXPECT_EQ(cache.local_entries(), 0u);
}

TEST(ReadThrough, ConcurrentMissesLoadOnce) {
  ReadThrough cache(CacheOptions{}, 0);  // both tiers off: only single flight can save loads
  constexpr int kThreads = 6;
  std::atomic<int> loads{0};
  // The load is held open until every other caller is waiting on it (single flight counts the
  // waits), so none can come after it ended and load again; no guessed sleep.
  std::latch release(1);
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      bodies[static_cast<std::size_t>(i)] = cache
                                                .fetch("hot", true,
                                                       [&] {
                                                         ++loads;
                                                         release.wait();
                                                         return ok("hot", "[1,2,3]");
                                                       })
                                                ->body;
    });
  }
  const auto& waits = cache.cache().counters().single_flight_waits;
  EXPECT_TRUE(eventually([&] { return waits.load() >= kThreads - 1; }, 10s, 1ms))
      << waits.load() << " of " << kThreads - 1 << " callers waited on the load";
  release.count_down();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(loads.load(), 1);
  for (const auto& body : bodies) EXPECT_EQ(body, "[1,2,3]");
}

}  // namespace
}  // namespace atelier::cache
