#include "http/http_metrics.hpp"

#include <gtest/gtest.h>

#include "cache/cache.hpp"

namespace atelier::http {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(HttpMetrics, WithoutReadEndpointsTheirFamiliesAreAbsent) {
  HttpMetrics metrics;
  cache::CacheCounters counters;
  metrics.attach_cache_counters(&counters);
  const std::string text = metrics.render("up", 42, {}, {});
  EXPECT_TRUE(contains(text, "atelier_dataset_version 42\n"));
  EXPECT_FALSE(contains(text, "atelier_db_read_endpoint_up"));
  EXPECT_FALSE(contains(text, "atelier_cache_read_endpoint_state"));
}

TEST(HttpMetrics, ReadEndpointsOneSampleEachWithTheirLabel) {
  HttpMetrics metrics;
  const json::ReadEndpointState endpoints[] = {{"10.0.0.5:5432", "up", true, 1.5, false},
                                               {"10.0.0.4:5432", "down", false, 0, true}};
  const std::string text = metrics.render("up", 1, {}, {}, endpoints);
  EXPECT_TRUE(contains(text,
                       "# TYPE atelier_db_read_endpoint_up gauge\n"
                       "atelier_db_read_endpoint_up{endpoint=\"10.0.0.5:5432\"} 1\n"
                       "atelier_db_read_endpoint_up{endpoint=\"10.0.0.4:5432\"} 0\n"));
  EXPECT_TRUE(
      contains(text, "atelier_db_replica_lag_seconds{endpoint=\"10.0.0.5:5432\"} 1.500000\n"));
  EXPECT_TRUE(contains(text, "atelier_db_read_endpoint_preferred{endpoint=\"10.0.0.4:5432\"} 1\n"));
  EXPECT_TRUE(contains(text, "atelier_db_read_endpoint_preferred{endpoint=\"10.0.0.5:5432\"} 0\n"));
}

TEST(HttpMetrics, CacheReadEndpointStateAndCounters) {
  HttpMetrics metrics;
  cache::CacheCounters counters;
  counters.replica_reads = 7;
  counters.replica_hits = 5;
  counters.replica_failures = 2;
  counters.replica_skipped = 3;
  counters.master_hits_after_replica_miss = 1;
  metrics.attach_cache_counters(&counters);
  const std::string text =
      metrics.render("up", 1, {}, {}, {}, json::CacheReadState{"redis2:6379", "backoff"});
  const std::string label = "{endpoint=\"redis2:6379\"";
  EXPECT_TRUE(contains(text, "atelier_cache_read_endpoint_state" + label + ",state=\"up\"} 0\n"));
  EXPECT_TRUE(
      contains(text, "atelier_cache_read_endpoint_state" + label + ",state=\"backoff\"} 1\n"));
  EXPECT_TRUE(contains(text, "atelier_cache_replica_reads_total" + label + "} 7\n"));
  EXPECT_TRUE(contains(text, "atelier_cache_replica_hits_total" + label + "} 5\n"));
  EXPECT_TRUE(contains(text, "atelier_cache_replica_failures_total" + label + "} 2\n"));
  EXPECT_TRUE(contains(text, "atelier_cache_replica_skipped_total" + label + "} 3\n"));
  EXPECT_TRUE(
      contains(text, "atelier_cache_master_hits_after_replica_miss_total" + label + "} 1\n"));
}

}  // namespace
}  // namespace atelier::http
