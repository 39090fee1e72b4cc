// Pure parts of Cache: TTL jitter bounds, back-off state machine, and the disabled cache (no
// REDIS_URL), which must never touch the network. Redis-backed behaviour is in
// tests/integration/cache/.
#include "cache/cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "cache/cache_health.hpp"
#include "cache/redis_connection.hpp"
#include "cache/single_flight.hpp"

namespace atelier::cache {
namespace {

using std::chrono::milliseconds;

TEST(JitteredTtl, StaysWithinPlusMinusJitter) {
  const milliseconds ttl{60'000};
  for (int i = 0; i <= 100; ++i) {
    const double unit = i / 100.0;
    const auto jittered = jittered_ttl(ttl, 0.10, unit);
    EXPECT_GE(jittered, milliseconds{54'000}) << unit;
    EXPECT_LE(jittered, milliseconds{66'000}) << unit;
  }
  EXPECT_EQ(jittered_ttl(ttl, 0.10, 0.0), milliseconds{54'000});
  EXPECT_EQ(jittered_ttl(ttl, 0.10, 0.5), ttl);
  EXPECT_EQ(jittered_ttl(ttl, 0.10, 1.0), milliseconds{66'000});
}

TEST(JitteredTtl, ZeroOrInvalidJitterLeavesTtlAlone) {
  EXPECT_EQ(jittered_ttl(milliseconds{5000}, 0.0, 0.0), milliseconds{5000});
  EXPECT_EQ(jittered_ttl(milliseconds{5000}, -1.0, 0.0), milliseconds{5000});
  EXPECT_EQ(jittered_ttl(milliseconds{5000}, std::nan(""), 1.0), milliseconds{5000});
}

TEST(JitteredTtl, NeverBelowOneMillisecond) {
  EXPECT_EQ(jittered_ttl(milliseconds{0}, 0.5, 0.0), milliseconds{1});
  EXPECT_EQ(jittered_ttl(milliseconds{1}, 0.9, 0.0), milliseconds{1});
  EXPECT_GE(jittered_ttl(milliseconds{1000}, 5.0, 0.0), milliseconds{1});  // jitter clamped < 1
}

TEST(JitteredTtl, OutOfRangeUnitIsClamped) {
  EXPECT_EQ(jittered_ttl(milliseconds{1000}, 0.2, -3.0), milliseconds{800});
  EXPECT_EQ(jittered_ttl(milliseconds{1000}, 0.2, 7.0), milliseconds{1200});
}

TEST(CacheHealth, BacksOffAfterKConsecutiveFailures) {
  CacheHealth health(BackoffPolicy{3, milliseconds{100}, milliseconds{400}});
  EXPECT_EQ(health.state(), CacheState::up);
  EXPECT_FALSE(health.record_failure());
  EXPECT_FALSE(health.record_failure());
  EXPECT_TRUE(health.record_failure());
  EXPECT_EQ(health.state(), CacheState::backoff);
  EXPECT_FALSE(health.record_failure());  // already backing off: not a new period
  EXPECT_EQ(health.backoffs(), 1u);
}

TEST(CacheHealth, SuccessResetsTheFailureStreak) {
  CacheHealth health(BackoffPolicy{2, milliseconds{100}, milliseconds{400}});
  health.record_failure();
  health.record_success();
  EXPECT_FALSE(health.record_failure());
  EXPECT_EQ(health.state(), CacheState::up);
}

TEST(CacheHealth, FailedProbesDoubleThePeriodUpToTheMaximum) {
  CacheHealth health(BackoffPolicy{1, milliseconds{100}, milliseconds{350}});
  health.record_failure();
  EXPECT_EQ(health.backoff_period(), milliseconds{100});
  health.probe_failed();
  EXPECT_EQ(health.backoff_period(), milliseconds{200});
  health.probe_failed();
  EXPECT_EQ(health.backoff_period(), milliseconds{350});
  health.probe_failed();
  EXPECT_EQ(health.backoff_period(), milliseconds{350});
  health.probe_succeeded();
  EXPECT_EQ(health.state(), CacheState::up);
  EXPECT_EQ(health.backoff_period(), milliseconds{100});
}

TEST(CacheHealth, DisabledStaysDisabled) {
  CacheHealth health(BackoffPolicy{}, /*enabled=*/false);
  EXPECT_EQ(health.state(), CacheState::disabled);
  health.record_failure();
  health.record_failure();
  health.record_failure();
  EXPECT_EQ(health.state(), CacheState::disabled);
}

TEST(CacheStateNames, AreStableForMetrics) {
  EXPECT_EQ(to_string(CacheState::up), "up");
  EXPECT_EQ(to_string(CacheState::backoff), "backoff");
  EXPECT_EQ(to_string(CacheState::disabled), "disabled");
}

TEST(DisabledCache, GetMissesAndPutIsANoOp) {
  Cache cache(CacheOptions{});
  EXPECT_EQ(cache.state(), CacheState::disabled);
  cache.put("atelier:v1:product:1", Entry{200, "\"e\"", "{}"}, milliseconds{1000});
  EXPECT_FALSE(cache.get("atelier:v1:product:1"));
  EXPECT_FALSE(cache.used_memory());
  EXPECT_EQ(cache.counters().hits.load(), 0u);
  EXPECT_EQ(cache.counters().errors.load(), 0u);
}

TEST(ReadEndpoint, WithoutAMasterTheReadUrlIsIgnored) {
  CacheOptions options;
  options.read_redis = RedisOptions{};
  Cache cache(options);
  EXPECT_EQ(cache.state(), CacheState::disabled);
  EXPECT_EQ(cache.read_state(), CacheState::disabled);
  EXPECT_FALSE(cache.get("atelier:product:1:00"));
  EXPECT_EQ(cache.counters().replica_reads.load(), 0u);
}

TEST(ReadEndpoint, NoReadUrlMeansNoReadEndpoint) {
  CacheOptions options;
  options.redis = RedisOptions{};  // never contacted: nothing is read or written here
  Cache cache(options);
  EXPECT_EQ(cache.state(), CacheState::up);
  EXPECT_EQ(cache.read_state(), CacheState::disabled);
}

TEST(UnreadyReplica, IsLoadingOrCutOffFromItsMasterNothingElse) {
  EXPECT_TRUE(is_unready_replica({RedisError::server, "LOADING Redis is loading the dataset"}));
  EXPECT_TRUE(
      is_unready_replica({RedisError::server,
                          "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is "
                          "set to 'no'."}));
  EXPECT_FALSE(is_unready_replica({RedisError::server, "WRONGTYPE Operation against a key"}));
  EXPECT_FALSE(is_unready_replica({RedisError::io, "LOADING"})) << "only server replies";
  EXPECT_FALSE(is_unready_replica({RedisError::miss, ""}));
}

TEST(DisabledCache, PutManyStoresNothing) {
  Cache cache(CacheOptions{});
  const KeyedEntry entries[] = {{"a", Entry{200, "", "{}"}}, {"b", Entry{200, "", "[]"}}};
  EXPECT_EQ(cache.put_many(entries, kKeepForever), 0u);
}

}  // namespace
}  // namespace atelier::cache
