// The read-through cache seen from outside (cache issue): real hosts, real Redis, real Postgres,
// all started by scripts/test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "background_load.hpp"
#include "cache/cache_key.hpp"
#include "cache/entry.hpp"
#include "cache/redis_connection.hpp"
#include "http_client.hpp"
#include "stack_control.hpp"

namespace atelier::testing {
namespace {

cache::RedisConnection redis() {
  auto options = cache::parse_redis_url(required_env("REDIS_URL"));
  EXPECT_TRUE(options.has_value());
  return cache::RedisConnection(options.value_or(cache::RedisOptions{}));
}

std::string host() {
  return required_env("HOST1_URL");
}

std::int64_t dataset_version() {
  auto r = http_get(host(), "/readyz");
  const auto pos = r.body.find("\"dataset_version\":");
  EXPECT_NE(pos, std::string::npos) << r.body;
  return std::atoll(r.body.c_str() + pos + 18);
}

double metric(const std::string& text, const std::string& name) {
  const auto pos = text.find("\n" + name + " ");
  if (pos == std::string::npos) return -1;
  return std::atof(text.c_str() + pos + name.size() + 2);
}

TEST(Cache, MissThenHitReturnIdenticalBytesUnderAVersionedKeyWithTtl) {
  const std::int64_t id = 11;
  auto conn = redis();
  const std::int64_t version = dataset_version();
  ASSERT_GT(version, 0);
  const std::string key = cache::CacheKey::styles(version, id);
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  auto miss = http_get(host(), "/products/11/styles");
  ASSERT_EQ(miss.status, 200);
  auto stored = conn.get(key);
  ASSERT_TRUE(stored.ok()) << "the miss must populate " << key;
  auto entry = cache::decode_entry(stored.value);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->body, miss.body);
  EXPECT_EQ(entry->etag, miss.header("etag").value_or(""));
  auto ttl = conn.pttl(key);
  EXPECT_GT(ttl.value, 0);
  auto hit = http_get(host(), "/products/11/styles");
  EXPECT_EQ(hit.body, miss.body);
  EXPECT_EQ(hit.header("etag"), miss.header("etag"));
}

TEST(Cache, HitsAreServedFromRedisBytes) {
  // Plant a recognisable value under the key a host will read: it must come back byte for byte.
  auto conn = redis();
  const std::int64_t version = dataset_version();
  const std::string key = cache::CacheKey::related(version, 12);
  const std::string planted = "[424242]";
  ASSERT_TRUE(
      conn.set(key, cache::encode_entry({200, "\"planted\"", planted}), std::chrono::seconds(30))
          .ok());
  auto r = http_get(host(), "/products/12/related");
  EXPECT_EQ(r.body, planted);
  EXPECT_EQ(r.header("etag").value_or(""), "\"planted\"");
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  // Host 1 now keeps the entry in its in-process tier (entries of a version never change); a host
  // that never saw the key goes to Postgres and stores the real answer.
  EXPECT_EQ(http_get(host(), "/products/12/related").body, planted);
  EXPECT_NE(http_get(required_env("HOST2_URL"), "/products/12/related").body, planted);
}

TEST(Cache, UnknownIdsAreCachedBrieflyAs404) {
  auto conn = redis();
  const std::int64_t version = dataset_version();
  const std::int64_t missing = 987654321;
  const std::string key = cache::CacheKey::product(version, missing);
  auto r = http_get(host(), "/products/" + std::to_string(missing));
  EXPECT_EQ(r.status, 404);
  auto stored = conn.get(key);
  ASSERT_TRUE(stored.ok());
  auto entry = cache::decode_entry(stored.value);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->status, 404);
  auto ttl = conn.pttl(key);
  EXPECT_GT(ttl.value, 0);
  EXPECT_LE(ttl.value, 60 * 1000);
}

TEST(Cache, TheCartIsNeverCached) {
  auto conn = redis();
  http_request(host(), "POST", "/cart", "{\"sku_id\":1}", {{"Authorization", "cache-test"}});
  http_get(host(), "/cart", {{"Authorization", "cache-test"}});
  auto cart_keys = conn.unlink_matching("*cart*");
  EXPECT_EQ(cart_keys.value, 0);
}

TEST(Cache, WarmUpWritesExactlyTheAskedKeysWithTheHostsBytes) {
  auto conn = redis();
  conn.unlink_matching(cache::CacheKey::all_pattern());
  const std::int64_t version = dataset_version();
  const std::string cmd =
      required_env("ATELIER_BIN_DIR") + "/atelier-warm --from 20 --to 24 > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // Exactly 5 products x 3 endpoints.
  for (std::int64_t id = 20; id <= 24; ++id) {
    for (const auto& key :
         {cache::CacheKey::product(version, id), cache::CacheKey::styles(version, id),
          cache::CacheKey::related(version, id)}) {
      EXPECT_TRUE(conn.get(key).ok()) << key;
    }
  }
  EXPECT_FALSE(conn.get(cache::CacheKey::styles(version, 19)).ok());
  EXPECT_FALSE(conn.get(cache::CacheKey::styles(version, 25)).ok());
  // The warm-up's bytes are the bytes a host would have cached.
  auto warmed = cache::decode_entry(conn.get(cache::CacheKey::styles(version, 22)).value);
  ASSERT_TRUE(warmed.has_value());
  auto detail = cache::decode_entry(conn.get(cache::CacheKey::product(version, 22)).value);
  ASSERT_TRUE(detail.has_value());
  std::vector<std::string> keys{cache::CacheKey::styles(version, 22),
                                cache::CacheKey::product(version, 22)};
  conn.unlink(keys);
  auto from_db = http_get(host(), "/products/22/styles");
  auto detail_from_db = http_get(host(), "/products/22");
  EXPECT_EQ(warmed->body, from_db.body);
  EXPECT_EQ(warmed->etag, from_db.header("etag").value_or(""));
  EXPECT_EQ(detail->body, detail_from_db.body);
  auto host_written = cache::decode_entry(conn.get(cache::CacheKey::styles(version, 22)).value);
  ASSERT_TRUE(host_written.has_value());
  EXPECT_EQ(cache::encode_entry(*host_written), cache::encode_entry(*warmed));
}

TEST(Cache, RedisDownMeansPostgresAnswersThenTheCacheRecovers) {
  // Always new ids (100..2900, then again), so requests need Redis, not the in-process tier.
  BackgroundLoad load(host(), 4, [](int t, std::int64_t i) {
    return "/products/" + std::to_string(100 + t + 4 * (i % 700)) + "/styles";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(run_stack_function("redis_stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto ready = http_get(host(), "/readyz");
  EXPECT_EQ(ready.status, 200) << "Redis is not a dependency: " << ready.body;
  EXPECT_NE(ready.body.find("\"cache\":\"backoff\""), std::string::npos) << ready.body;
  ASSERT_EQ(run_stack_function("redis_start"), 0);
  // Back-off is at most 10 s; the probe turns the cache back on.
  bool recovered = false;
  for (int i = 0; i < 150 && !recovered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    recovered = http_get(host(), "/readyz").body.find("\"cache\":\"up\"") != std::string::npos;
  }
  load.stop();
  EXPECT_TRUE(recovered);
  EXPECT_EQ(load.failures(), 0) << "of " << load.requests()
                                << " requests; first: " << load.first_failure();
  EXPECT_GT(load.requests(), 50);
  // Redis hits come back once it is up again: host 1 stores a key, host 2 reads it from Redis.
  const std::string other = required_env("HOST2_URL");
  const double hits_before = metric(http_get(other, "/metrics").body, "atelier_cache_hits_total");
  http_get(host(), "/products/2999/related");
  http_get(other, "/products/2999/related");
  const double hits_after = metric(http_get(other, "/metrics").body, "atelier_cache_hits_total");
  EXPECT_GT(hits_after, hits_before);
}

}  // namespace
}  // namespace atelier::testing
