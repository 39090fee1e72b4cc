// The read-through cache seen from outside (cache issue): real hosts, real Redis, real Postgres,
// all started by scripts/test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "background_load.hpp"
#include "cache/cache_key.hpp"
#include "cache/entry.hpp"
#include "encoding/content_coding.hpp"
#include "http_client.hpp"
#include "metrics_text.hpp"
#include "polling.hpp"
#include "stack_control.hpp"
#include "test_redis.hpp"

namespace atelier::testing {
namespace {

std::string host() {
  return required_env("HOST1_URL");
}

// The revision the loader gave a product (what the hosts' cache keys name).
std::uint64_t revision(std::int64_t id) {
  pqxx::connection db(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(db);
  const auto r = tx.exec("SELECT revision FROM catalog.products WHERE id = " + std::to_string(id));
  EXPECT_EQ(r.size(), 1u) << "product " << id;
  return r.empty() ? 0 : static_cast<std::uint64_t>(r[0][0].as<std::int64_t>());
}

TEST(Cache, MissThenHitReturnIdenticalBytesUnderARevisionKeyWithoutExpiry) {
  const std::int64_t id = 11;
  auto conn = redis();
  const std::string key = cache::CacheKey::styles(id, revision(id));
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  auto miss = http_get(host(), "/products/11/styles");
  ASSERT_EQ(miss.status, 200);
  auto stored = conn.get(key);
  ASSERT_TRUE(stored.ok()) << "the miss must populate " << key;
  auto entry = cache::decode_entry(stored.value);
  ASSERT_TRUE(entry.has_value());
  // Kept gzip-compressed (issue 12); a client without Accept-Encoding gets it inflated.
  EXPECT_EQ(entry->coding, cache::BodyCoding::gzip);
  EXPECT_EQ(encoding::gzip_inflate(entry->body, 1 << 24), miss.body);
  EXPECT_EQ(entry->etag, miss.header("etag").value_or(""));
  // Content-keyed: valid until the product changes, so no timer expires it (issue: nothing
  // current expires on a timer).
  EXPECT_EQ(conn.pttl(key).value, -1);
  auto hit = http_get(host(), "/products/11/styles");
  EXPECT_EQ(hit.body, miss.body);
  EXPECT_EQ(hit.header("etag"), miss.header("etag"));
}

TEST(Cache, HitsAreServedFromRedisBytes) {
  // Plant a recognisable value under the key a host will read: it must come back byte for byte.
  auto conn = redis();
  const std::string key = cache::CacheKey::related(12, revision(12));
  const std::string planted = "[424242]";
  ASSERT_TRUE(
      conn.set(key, cache::encode_entry({200, "\"planted\"", planted}), std::chrono::seconds(30))
          .ok());
  auto r = http_get(host(), "/products/12/related");
  EXPECT_EQ(r.body, planted);
  EXPECT_EQ(r.header("etag").value_or(""), "\"planted\"");
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  // Host 1 now keeps the entry in its in-process tier (entries of a revision never change); a host
  // that never saw the key goes to Postgres and stores the real answer.
  EXPECT_EQ(http_get(host(), "/products/12/related").body, planted);
  EXPECT_NE(http_get(required_env("HOST2_URL"), "/products/12/related").body, planted);
}

// Values a host must not send, planted in the real Redis under the keys it reads: each is a miss
// (counted in atelier_cache_rejected_total), answered from PostgreSQL with a correct 200 that
// replaces the bad value.
TEST(Cache, UnsafeOrUndecodableRedisValuesAreMissesAnsweredFromTheDatabase) {
  auto conn = redis();
  const std::string header_split = "\"x\r\nSet-Cookie: session=planted\"";
  const std::vector<std::string> planted = {
      cache::encode_entry({200, header_split, "[1]"}),
      cache::encode_entry({200, "no-quotes", "[2]"}),
      cache::encode_entry({200, "\"ok\"", "[3] is not gzip", cache::BodyCoding::gzip}),
      cache::encode_entry({204, "\"ok\"", ""}),
      "not an entry at all",
  };
  const double rejected_before = metric(host(), "atelier_cache_rejected_total");
  for (std::size_t i = 0; i < planted.size(); ++i) {
    const std::int64_t id = 2901 + static_cast<std::int64_t>(i);
    const std::string key = cache::CacheKey::related(id, revision(id));
    ASSERT_TRUE(conn.set(key, planted[i], std::chrono::seconds(60)).ok()) << key;
    const std::string target = "/products/" + std::to_string(id) + "/related";
    auto r = http_get(host(), target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.body.front(), '[') << target << ": " << r.body;
    EXPECT_FALSE(r.header("set-cookie").has_value()) << target;
    const std::string etag = r.header("etag").value_or("");
    EXPECT_TRUE(cache::is_sendable_etag(etag)) << target << ": " << etag;
    EXPECT_NE(etag, "\"ok\"") << target;
    // The load replaced the bad value: another host reads the good one from Redis.
    auto again = http_get(required_env("HOST2_URL"), target);
    EXPECT_EQ(again.body, r.body) << target;
    EXPECT_EQ(again.header("etag").value_or(""), etag) << target;
  }
  const double rejected_after = metric(host(), "atelier_cache_rejected_total");
  EXPECT_EQ(rejected_after - rejected_before, static_cast<double>(planted.size()));
}

TEST(Cache, UnknownIdsAre404FromTheRevisionTableWithoutADatabaseRead) {
  auto conn = redis();
  const std::int64_t missing = 987654321;
  const std::string metrics_before = http_get(host(), "/metrics").body;
  for (int i = 0; i < 5; ++i) {
    auto r = http_get(host(), "/products/" + std::to_string(missing) + "/styles");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("987654321"), std::string::npos) << r.body;
  }
  const std::string metrics_after = http_get(host(), "/metrics").body;
  EXPECT_EQ(metric_in(metrics_after, "atelier_db_query_duration_seconds_count"),
            metric_in(metrics_before, "atelier_db_query_duration_seconds_count"));
  EXPECT_EQ(conn.unlink_matching(cache::CacheKey::body_pattern(cache::ProductBody::styles, missing))
                .value,
            0);
}

TEST(Cache, TheCartIsNeverCached) {
  auto conn = redis();
  const std::string token = "cache-test-session-token";
  ASSERT_EQ(http_request(host(), "POST", "/cart", "{\"sku_id\":1}",
                         {{"Authorization", token}, {"Content-Type", "application/json"}})
                .status,
            201);
  ASSERT_EQ(http_get(host(), "/cart", {{"Authorization", token}}).body,
            "[{\"sku_id\":1,\"count\":\"1\"}]");
  auto cart_keys = conn.unlink_matching("*cart*");
  EXPECT_EQ(cart_keys.value, 0);
}

TEST(Cache, WarmUpWritesExactlyTheAskedKeysWithTheHostsBytes) {
  auto conn = redis();
  conn.unlink_matching(cache::CacheKey::all_pattern());
  const auto rev = [](std::int64_t id) { return revision(id); };
  const std::string cmd =
      required_env("ATELIER_BIN_DIR") + "/atelier-warm --from 20 --to 24 > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // Exactly 5 products x 3 endpoints.
  for (std::int64_t id = 20; id <= 24; ++id) {
    for (const auto& key :
         {cache::CacheKey::product(id, rev(id)), cache::CacheKey::styles(id, rev(id)),
          cache::CacheKey::related(id, rev(id))}) {
      EXPECT_TRUE(conn.get(key).ok()) << key;
    }
  }
  EXPECT_FALSE(conn.get(cache::CacheKey::styles(19, rev(19))).ok());
  EXPECT_FALSE(conn.get(cache::CacheKey::styles(25, rev(25))).ok());
  // The warm-up's bytes are the bytes a host would have cached.
  auto warmed = cache::decode_entry(conn.get(cache::CacheKey::styles(22, rev(22))).value);
  ASSERT_TRUE(warmed.has_value());
  auto detail = cache::decode_entry(conn.get(cache::CacheKey::product(22, rev(22))).value);
  ASSERT_TRUE(detail.has_value());
  std::vector<std::string> keys{cache::CacheKey::styles(22, rev(22)),
                                cache::CacheKey::product(22, rev(22))};
  conn.unlink(keys);
  auto from_db = http_get(host(), "/products/22/styles");
  auto detail_from_db = http_get(host(), "/products/22");
  EXPECT_EQ(encoding::gzip_inflate(warmed->body, 1 << 24), from_db.body);
  EXPECT_EQ(warmed->etag, from_db.header("etag").value_or(""));
  EXPECT_EQ(encoding::gzip_inflate(detail->body, 1 << 24), detail_from_db.body);
  auto host_written = cache::decode_entry(conn.get(cache::CacheKey::styles(22, rev(22))).value);
  ASSERT_TRUE(host_written.has_value());
  EXPECT_EQ(cache::encode_entry(*host_written), cache::encode_entry(*warmed));
}

TEST(Cache, RedisDownMeansPostgresAnswersThenTheCacheRecovers) {
  // Always new ids (100..2900, then again), so requests need Redis, not the in-process tier.
  BackgroundLoad load(host(), 4, [](int t, std::int64_t i) {
    return "/products/" + std::to_string(100 + t + 4 * (i % 700)) + "/styles";
  });
  ASSERT_TRUE(eventually([&] { return load.requests() >= 20; })) << "the load never got going";
  ASSERT_EQ(stack_control({"redis", "stop"}), 0);
  // The host notices (a failed command under the load) and steps Redis aside; readiness stays.
  HttpResponse ready;
  EXPECT_TRUE(eventually([&] {
    ready = http_get(host(), "/readyz");
    return ready.body.find("\"cache\":\"backoff\"") != std::string::npos;
  })) << ready.body;
  EXPECT_EQ(ready.status, 200) << "Redis is not a dependency: " << ready.body;
  const int while_down = load.requests();
  EXPECT_TRUE(eventually([&] { return load.requests() >= while_down + 50; }))
      << "requests stalled while Redis was down";
  ASSERT_EQ(stack_control({"redis", "start"}), 0);
  // Back-off is at most 10 s; the probe turns the cache back on.
  const bool recovered = eventually(
      [&] {
        return http_get(host(), "/readyz").body.find("\"cache\":\"up\"") != std::string::npos;
      },
      std::chrono::seconds(15), std::chrono::milliseconds(100));
  load.stop();
  EXPECT_TRUE(recovered);
  EXPECT_EQ(load.failures(), 0) << "of " << load.requests()
                                << " requests; first: " << load.first_failure();
  EXPECT_GT(load.requests(), 50);
  // Redis hits come back once it is up again: host 1 stores a key, host 2 reads it from Redis.
  const std::string other = required_env("HOST2_URL");
  const double hits_before = metric(other, "atelier_cache_hits_total");
  http_get(host(), "/products/2999/related");
  http_get(other, "/products/2999/related");
  const double hits_after = metric(other, "atelier_cache_hits_total");
  EXPECT_GT(hits_after, hits_before);
}

}  // namespace
}  // namespace atelier::testing
