// Cache and RedisConnection against the real Redis named by REDIS_URL (the project's private
// instance or any scratch one). Each test uses its own key prefix and removes its keys afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"
#include "cache/redis_connection.hpp"
#include "cache/single_flight.hpp"
#include "polling.hpp"

namespace atelier::cache {
namespace {

using atelier::testing::eventually;

using namespace std::chrono_literals;
using namespace std::string_literals;
using std::chrono::milliseconds;

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // hiredis writes with plain write(2): a closed peer would kill the test binary (LIBRARY-NOTES
    // §3).
    std::signal(SIGPIPE, SIG_IGN);
    const char* url = std::getenv("REDIS_URL");
    ASSERT_TRUE(url != nullptr && *url != '\0')
        << "REDIS_URL is not set: the cache integration tests need a running Redis, e.g. "
           "REDIS_URL=redis://127.0.0.1:6390";
    options_ = parse_redis_url(url);
    ASSERT_TRUE(options_.has_value());
    prefix_ = "atelier:test:" + std::to_string(::getpid()) + ":" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":";
  }

  void TearDown() override {
    if (!options_) return;
    RedisConnection connection(*options_);
    connection.unlink_matching(prefix_ + "*");
  }

  std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
  // prefix + stem + n, built with append(): `"stem" + std::to_string(n)` trips a GCC 12 -O3
  // false positive (-Wrestrict inside char_traits) under -Werror.
  std::string key(std::string_view stem, int n) const {
    std::string k = key(stem);
    k.append(std::to_string(n));
    return k;
  }

  CacheOptions cache_options() const {
    CacheOptions options;
    options.redis = options_;
    return options;
  }

  std::optional<RedisOptions> options_;
  std::string prefix_;
};

TEST_F(RedisCacheTest, ConnectionSetGetIsBinarySafe) {
  RedisConnection connection(*options_);
  const std::string value = "a\0b\r\n$3\r\n\xff\0 end"s;
  ASSERT_TRUE(connection.set(key("bin"), value, 10s).ok());
  const auto read = connection.get(key("bin"));
  ASSERT_TRUE(read.ok()) << read.message;
  EXPECT_EQ(read.value, value);
  EXPECT_EQ(read.value.size(), value.size());
}

TEST_F(RedisCacheTest, ConnectionGetOfMissingKeyIsMiss) {
  RedisConnection connection(*options_);
  const auto read = connection.get(key("absent"));
  EXPECT_EQ(read.error, RedisError::miss);
}

TEST_F(RedisCacheTest, CacheRoundTripsEntryWithNulBytes) {
  Cache cache(cache_options());
  const Entry entry{200, "\"00ff00ff00ff00ff\"", "{\"x\":\"\0\"}\0tail"s};
  cache.put(key("entry"), entry, 10s);
  const auto read = cache.get(key("entry"));
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, entry);
  EXPECT_EQ(cache.counters().hits.load(), 1u);
  EXPECT_GT(cache.counters().bytes_read.load(), entry.body.size());
  EXPECT_GT(cache.counters().bytes_written.load(), entry.body.size());
}

TEST_F(RedisCacheTest, PutSetsJitteredTtl) {
  CacheOptions options = cache_options();
  options.ttl_jitter = 0.10;
  Cache cache(options);
  RedisConnection connection(*options_);
  for (int i = 0; i < 20; ++i) {
    const std::string k = key("ttl", i);
    cache.put(k, Entry{200, "\"e\"", "{}"}, 60s);
    const auto ttl = connection.pttl(k);
    ASSERT_TRUE(ttl.ok()) << ttl.message;
    EXPECT_GE(ttl.value, 53'000) << k;  // 60 s - 10 %, minus a little elapsed time
    EXPECT_LE(ttl.value, 66'000) << k;
  }
}

TEST_F(RedisCacheTest, NotFoundEntriesUseTheShortTtl) {
  CacheOptions options = cache_options();
  options.not_found_ttl = 5s;
  options.ttl_jitter = 0.0;
  Cache cache(options);
  cache.put(key("404"), Entry{404, "", "{\"error\":\"No product with id 9.\"}"}, 1h);
  RedisConnection connection(*options_);
  const auto ttl = connection.pttl(key("404"));
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl.value, 4'000);
  EXPECT_LE(ttl.value, 5'000);
  const auto read = cache.get(key("404"));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 404);
}

TEST_F(RedisCacheTest, MissReturnsNullopt) {
  Cache cache(cache_options());
  EXPECT_FALSE(cache.get(key("nothing-here")));
  EXPECT_EQ(cache.counters().misses.load(), 1u);
  EXPECT_EQ(cache.counters().errors.load(), 0u);
  EXPECT_EQ(cache.state(), CacheState::up);
}

TEST_F(RedisCacheTest, MalformedValueIsAMissAndCountsAnError) {
  RedisConnection connection(*options_);
  ASSERT_TRUE(connection.set(key("raw"), "{\"not\":\"an entry\"}", 10s).ok());
  Cache cache(cache_options());
  EXPECT_FALSE(cache.get(key("raw")));
  EXPECT_EQ(cache.counters().misses.load(), 1u);
  EXPECT_EQ(cache.counters().errors.load(), 1u);
  EXPECT_EQ(cache.state(), CacheState::up);  // a bad value is not an outage
}

TEST_F(RedisCacheTest, ReadThroughMissThenHitGivesIdenticalBytes) {
  ReadThrough cache(cache_options(), 0);  // in-process tier off: the second read is a Redis hit
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return Loaded{Entry{200, "\"0123456789abcdef\"", "{\"id\":1,\"name\":\"Camo\\u0000 Onesie\"}"},
                  key("product"), 60s};
  };
  const Entry first = *cache.fetch(key("product"), true, loader);
  const Entry second = *cache.fetch(key("product"), true, loader);
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(first, second);
  EXPECT_EQ(cache.cache().counters().misses.load(), 1u);
  EXPECT_EQ(cache.cache().counters().hits.load(), 1u);
}

TEST_F(RedisCacheTest, ReadThroughKeepsProductBodiesWithoutExpiry) {
  ReadThrough cache(cache_options(), 0);
  cache.fetch(key("forever"), true, [&] {
    return Loaded{Entry{200, "\"e\"", "[1]"}, key("forever"), kKeepForever};
  });
  RedisConnection connection(*options_);
  EXPECT_EQ(connection.pttl(key("forever")).value, -1);  // no TTL
}

TEST_F(RedisCacheTest, ForgetDeletesFromRedis) {
  ReadThrough cache(cache_options(), 1 << 20);
  cache.fetch(key("gone"), true, [&] { return Loaded{Entry{200, "\"e\"", "[2]"}, key("gone")}; });
  const std::string keys[] = {key("gone")};
  cache.forget(keys);
  RedisConnection connection(*options_);
  EXPECT_EQ(connection.get(key("gone")).error, RedisError::miss);
  EXPECT_EQ(cache.local_entries(), 0u);
}

TEST_F(RedisCacheTest, PutManyStoresEveryEntryInOneBatch) {
  Cache cache(cache_options());
  const std::vector<KeyedEntry> entries = {{key("m1"), Entry{200, "\"a\"", "[1]"}},
                                           {key("m2"), Entry{200, "\"b\"", "[2]"}}};
  EXPECT_EQ(cache.put_many(entries, kKeepForever), 2u);
  EXPECT_EQ(cache.get(key("m2"))->body, "[2]");
}

TEST_F(RedisCacheTest, ReadThroughDoesNotCacheOtherStatuses) {
  ReadThrough cache(cache_options(), 0);
  int loads = 0;
  const auto loader = [&] {
    ++loads;
    return Loaded{Entry{503, "", "{\"error\":\"later\"}"}, key("503"), 60s};
  };
  cache.fetch(key("503"), true, loader);
  cache.fetch(key("503"), true, loader);
  EXPECT_EQ(loads, 2);
}

TEST_F(RedisCacheTest, ConcurrentReadThroughLoadsOnceAcrossThreads) {
  ReadThrough cache(cache_options(), 0);
  constexpr int kThreads = 6;
  std::atomic<int> loads{0};
  // The load (a slow Postgres query) is held open until every other thread waits on it: single
  // flight counts the waits, so none can arrive after it ended and load again.
  std::latch release(1);
  std::vector<std::thread> threads;
  std::vector<Entry> results(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = *cache.fetch(key("hot"), true, [&] {
        ++loads;
        release.wait();
        return Loaded{Entry{200, "\"h\"", "[1,2,3]"}, key("hot"), 60s};
      });
    });
  }
  const auto& waits = cache.cache().counters().single_flight_waits;
  EXPECT_TRUE(eventually([&] { return waits.load() >= kThreads - 1; }, 10s, 1ms))
      << waits.load() << " of " << kThreads - 1 << " callers waited on the load";
  release.count_down();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(loads.load(), 1);
  for (const Entry& result : results) EXPECT_EQ(result.body, "[1,2,3]");
}

TEST_F(RedisCacheTest, PipelinedSetManyAndMget) {
  RedisConnection connection(*options_);
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (int i = 0; i < 300; ++i) {
    keys.push_back(key("p", i));
    // append(), not operator+: see key(stem, n).
    std::string value = "value\0"s;
    value.append(std::to_string(i));
    values.push_back(std::move(value));
  }
  std::vector<SetCommand> batch;
  for (std::size_t i = 0; i < keys.size(); ++i) batch.push_back({keys[i], values[i], 30s});
  const auto stored = connection.set_many(batch);
  ASSERT_TRUE(stored.ok()) << stored.message;
  EXPECT_EQ(stored.value, keys.size());

  keys.push_back(key("missing"));
  const auto read = connection.mget(keys);
  ASSERT_TRUE(read.ok()) << read.message;
  ASSERT_EQ(read.value.size(), keys.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(read.value[i], values[i]);
  EXPECT_FALSE(read.value.back().has_value());
  // The connection is still in sync after the pipeline: a plain command gets its own reply.
  EXPECT_TRUE(connection.ping().ok());
}

TEST_F(RedisCacheTest, UnlinkMatchingRemovesOnlyMatchingKeys) {
  RedisConnection connection(*options_);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(connection.set(key("v1:", i), "x", 30s).ok());
  }
  ASSERT_TRUE(connection.set(key("v2:keep"), "x", 30s).ok());
  const auto removed = connection.unlink_matching(key("v1:*"));
  ASSERT_TRUE(removed.ok()) << removed.message;
  EXPECT_EQ(removed.value, 50);
  EXPECT_TRUE(connection.get(key("v2:keep")).ok());
}

TEST_F(RedisCacheTest, UsedMemoryIsReported) {
  Cache cache(cache_options());
  const auto memory = cache.used_memory();
  ASSERT_TRUE(memory);
  EXPECT_GT(*memory, 0);
}

TEST_F(RedisCacheTest, LatencyObserverSeesEveryRoundTrip) {
  CacheOptions options = cache_options();
  std::atomic<int> observed{0};
  options.observe_latency = [&](double seconds) {
    EXPECT_GE(seconds, 0.0);
    EXPECT_LT(seconds, 1.0);
    ++observed;
  };
  Cache cache(options);
  cache.put(key("l"), Entry{200, "", "x"}, 10s);
  cache.get(key("l"));
  cache.get(key("l-missing"));
  EXPECT_EQ(observed.load(), 3);
}

}  // namespace
}  // namespace atelier::cache
