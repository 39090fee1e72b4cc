// List pages (GET /products?page&count, issue 19): a page past the end costs no query and takes no
// cache slot, and pages have budgets of their own in both tiers, so a walk over page numbers never
// evicts product bodies. Real hosts, Redis and PostgreSQL of scripts/test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "stack_control.hpp"
#include "test_redis.hpp"

namespace atelier::testing {
namespace {

// Keys matching a pattern, counted by removing them (SCAN + UNLINK): only for keys a test made.
std::int64_t drop_matching(const std::string& pattern) {
  auto conn = redis();
  return conn.unlink_matching(pattern).value;
}

TEST(ListPages, PagesPastTheEndAreEmptyWithoutAQueryOrACacheEntry) {
  const std::string host = required_env("HOST1_URL");
  const double queries_before = metric(host, "atelier_db_query_duration_seconds_count");
  ASSERT_GE(queries_before, 0);
  for (const std::string page : {"100000", "9223372036854775807", "5000"}) {
    auto r = http_get(host, "/products?page=" + page + "&count=5");
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.body, "[]") << page;
  }
  // Past the 3,000 products of the test catalog at count 1: the page starts after the last one.
  EXPECT_EQ(http_get(host, "/products?page=5000&count=1").body, "[]");
  EXPECT_EQ(metric(host, "atelier_db_query_duration_seconds_count"), queries_before);
  EXPECT_EQ(drop_matching("atelier:products:*:100000:5"), 0);
  EXPECT_EQ(drop_matching("atelier:products:*:5000:*"), 0);
  // A page inside the catalog is stored as before.
  ASSERT_EQ(http_get(host, "/products?page=7&count=3").status, 200);
  EXPECT_EQ(drop_matching("atelier:products:*:7:3"), 1);
}

// A host with small page budgets (1 MiB in process, 1 MiB in Redis) walks many pages: the
// pages past the Redis budget are answered but not stored (counted), its page shelf stays within
// its MiB, and the product bodies it held before the walk are still in its in-process tier.
TEST(ListPages, AWalkOverPagesStaysWithinItsBudgetsAndKeepsProductBodies) {
  std::istringstream ports(required_env("READ_HOST_PORTS"));
  std::string port;
  ports >> port;
  ASSERT_FALSE(port.empty()) << "READ_HOST_PORTS";
  const std::string host = "http://127.0.0.1:" + port;
  ASSERT_EQ(stack_control({"host", "start", "4", port, "ATELIER_LOCAL_PAGE_CACHE_MB=1",
                           "ATELIER_PAGE_CACHE_REDIS_MB=1", "ATELIER_THREADS=4"}),
            0);
  // Each product body once (a miss or a Redis hit), then again: from the in-process tier.
  for (int id = 1; id <= 30; ++id) http_get(host, "/products/" + std::to_string(id));
  const double local_before = metric(host, "atelier_local_cache_hits_total");
  for (int count = 40; count <= 100; count += 3) {
    for (int page = 1; page * count <= 3000; ++page) {
      auto r = http_get(
          host, "/products?page=" + std::to_string(page) + "&count=" + std::to_string(count));
      ASSERT_EQ(r.status, 200) << page << "," << count;
    }
  }
  EXPECT_GT(metric(host, "atelier_cache_page_over_budget_total"), 0)
      << "a walk over more than 1 MiB of pages must meet the Redis budget";
  const double shelf = metric(host, "atelier_local_page_cache_bytes");
  EXPECT_GT(shelf, 0);
  EXPECT_LE(shelf, 1024 * 1024);
  for (int id = 1; id <= 30; ++id) {
    EXPECT_EQ(http_get(host, "/products/" + std::to_string(id)).status, 200);
  }
  EXPECT_EQ(metric(host, "atelier_local_cache_hits_total") - local_before, 30)
      << "every product body must still be in the in-process tier after the walk";
  EXPECT_EQ(stack_control({"host", "stop", "4"}), 0);
}

}  // namespace
}  // namespace atelier::testing
