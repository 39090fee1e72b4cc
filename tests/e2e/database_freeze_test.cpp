// A hung PostgreSQL (every process SIGSTOPped: no error, no answer) must not reach cached reads:
// request threads never wait on the database, and what needs it is answered 503 + Retry-After at
// the database workers' deadline (docs/ARCHITECTURE.md "Database work and deadlines"). The
// timing side, p99 under load, is scripts/chaos pg_freeze; this test checks the behaviour.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "frozen_database.hpp"
#include "http_client.hpp"
#include "polling.hpp"

using namespace atelier::testing;

namespace {

const std::string kToken = "database-freeze-test-session-token";

}  // namespace

TEST(DatabaseFreeze, CachedReadsAreAnsweredWhileCartRequestsGet503WithRetryAfter) {
  const std::string host = required_env("HOST1_URL");
  // Cached in both tiers of host 1 first.
  const std::vector<std::string> cached = {"/products/11", "/products/11/styles",
                                           "/products/12/related", "/products?page=3&count=7"};
  for (const auto& path : cached) ASSERT_EQ(http_get(host, path).status, 200) << path;
  for (const auto& path : cached) ASSERT_EQ(http_get(host, path).status, 200) << path;

  FrozenDatabase frozen;
  ASSERT_TRUE(frozen.frozen());
  // Cart requests that wait on the stopped database, several at once: every database worker of
  // the host is stuck in one, as a shop's cart traffic would make them.
  std::vector<HttpResponse> carts(6);
  std::vector<std::thread> cart_threads;
  for (std::size_t i = 0; i < carts.size(); ++i) {
    cart_threads.emplace_back([&, i] {
      carts[i] = http_request(host, "GET", "/cart", "",
                              {{"Authorization", kToken + std::to_string(i)}}, 20000);
    });
  }
  // Meanwhile every cached read is answered, well before the database workers' deadline (2.5 s):
  // a read that waited on the database would time out here.
  for (int round = 0; round < 5; ++round) {
    for (const auto& path : cached) {
      const auto r = http_request(host, "GET", path, "", {}, 1500);
      EXPECT_EQ(r.status, 200) << path << " while the database is stopped: " << r.error;
    }
  }
  EXPECT_EQ(http_request(host, "GET", "/healthz", "", {}, 1500).status, 200);
  // /readyz runs no query: it answers at once (from the background check).
  EXPECT_NE(http_request(host, "GET", "/readyz", "", {}, 1500).status, 0);
  for (auto& t : cart_threads) t.join();
  for (const auto& r : carts) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.header("retry-after").value_or(""), "1");
    EXPECT_EQ(r.body.rfind("{\"error\":", 0), 0u) << r.body;
  }
  frozen.thaw();
  // And back: the cart answers again once the database does.
  EXPECT_TRUE(eventually([&] {
    return http_get(host, "/cart", {{"Authorization", kToken + "0"}}).status == 200;
  }));
}
