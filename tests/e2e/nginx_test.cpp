// End to end through NGINX over three hosts (staging issue): every endpoint, the legacy prefix,
// a host killed while requests run, and the host rejoining after a restart.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "background_load.hpp"
#include "cart_client.hpp"
#include "http_client.hpp"
#include "metrics_text.hpp"
#include "polling.hpp"
#include "stack_control.hpp"

namespace atelier::testing {
namespace {

std::string api() {
  return required_env("API_URL");
}

TEST(ThroughNginx, EveryEndpointAnswersLikeAHost) {
  const std::string host = required_env("HOST1_URL");
  for (const std::string target : {"/products", "/products?page=3&count=7", "/products/9",
                                   "/products/9/styles", "/products/9/related"}) {
    auto via_nginx = http_get(api(), target);
    auto direct = http_get(host, target);
    EXPECT_EQ(via_nginx.status, 200) << target;
    EXPECT_EQ(via_nginx.body, direct.body) << target;
    EXPECT_EQ(via_nginx.header("access-control-allow-origin").value_or(""), "*") << target;
    EXPECT_EQ(via_nginx.header("etag"), direct.header("etag")) << target;
  }
  // The operations endpoints are the hosts' own (tests/e2e/edge_test.cpp): 404 through NGINX.
  EXPECT_EQ(http_get(api(), "/readyz").status, 404);
  EXPECT_EQ(http_get(api(), "/healthz").status, 200);
  auto missing = http_get(api(), "/products/999999999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"error\""), std::string::npos);
  auto wrong = http_request(api(), "DELETE", "/products/1");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow").value_or(""), "GET, OPTIONS");
  // server_tokens off: no version in the Server header.
  EXPECT_EQ(http_get(api(), "/products/1").header("server").value_or("nginx"), "nginx");
}

TEST(ThroughNginx, CartWorksAcrossHosts) {
  const std::string token = "e2e-cart-across-hosts-" + std::to_string(::time(nullptr));
  for (int i = 0; i < 9; ++i) {  // round-robin spreads these over the three hosts
    auto r = cart_add(api(), token, 1);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  EXPECT_EQ(http_get(api(), "/cart", {{"Authorization", token}}).body, cart_of_one(1, 9));
}

TEST(ThroughNginx, LegacyPrefixServesTheSameApi) {
  for (const std::string target : {"/products/9/styles", "/products/9", "/products?count=3"}) {
    auto legacy = http_get(api(), "/api/fec2/hr-rfp" + target);
    auto plain = http_get(api(), target);
    EXPECT_EQ(legacy.status, 200) << target;
    EXPECT_EQ(legacy.body, plain.body) << target;
  }
}

TEST(ThroughNginx, GzipForClientsThatAskForIt) {
  auto r = http_get(api(), "/products?count=50", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-encoding").value_or(""), "gzip");
}

TEST(ThroughNginx, NginxOwnErrorsAreJson) {
  auto big =
      http_request(api(), "POST", "/cart", std::string(64 * 1024, 'x'), {{"Authorization", "t"}});
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("\"error\""), std::string::npos) << big.body;
  EXPECT_EQ(big.header("server").value_or("nginx").find('/'), std::string::npos);
}

// A host killed with SIGKILL while requests run: NGINX retries idempotent GETs on the next host,
// so clients see no error; after a restart the host rejoins the rotation.
TEST(Failover, KilledHostIsInvisibleAndRejoinsAfterRestart) {
  BackgroundLoad load(api(), 4, [](int t, std::int64_t i) {
    return "/products/" + std::to_string(1 + t + 4 * (i % 500)) + "/styles";
  });
  ASSERT_TRUE(eventually([&] { return load.requests() >= 20; })) << "the load never got going";
  const int pid = host_pid(2);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Requests go on being answered while the host is dead: wait for a good number of them.
  const int at_kill = load.requests();
  EXPECT_TRUE(eventually([&] { return load.requests() >= at_kill + 100; }))
      << "requests stalled after a host was killed";
  ASSERT_EQ(stack_control({"host", "restart", "2"}), 0);
  // Once NGINX's fail_timeout (2 s) has passed, the host gets traffic again. Product URIs are
  // spread over the hosts by consistent hashing: many different ids reach all of them.
  const std::string related_200 =
      "atelier_http_requests_total{route=\"/products/:id/related\",status=\"200\"}";
  const bool rejoined = eventually(
      [&] {
        for (int i = 1; i <= 60; ++i)
          http_get(api(), "/products/" + std::to_string(i) + "/related");
        return scrape(required_env("HOST2_URL"), related_200).value_or(0) > 0;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(200));
  load.stop();
  EXPECT_TRUE(rejoined) << "the restarted host got no traffic through NGINX";
  EXPECT_EQ(load.failures(), 0) << "of " << load.requests()
                                << " requests; first: " << load.first_failure();
}

// scripts/rolling-restart under load: every host is replaced by a successor that takes its unix
// socket over before the old one drains (docs/ARCHITECTURE.md "Warm again fast"), and no client
// sees an error.
TEST(Failover, RollingRestartReplacesEveryHostWithoutAnError) {
  std::vector<int> before;
  for (int i = 1; i <= 3; ++i) {
    before.push_back(host_pid(i));
    ASSERT_GT(before.back(), 0) << "host " << i;
  }
  BackgroundLoad load(api(), 4, [](int t, std::int64_t i) {
    return "/products/" + std::to_string(1 + t + 4 * (i % 500)) + (i % 2 ? "/styles" : "");
  });
  ASSERT_TRUE(eventually([&] { return load.requests() >= 20; })) << "the load never got going";
  int status = -1;
  const std::string report = stack_control_output({"hosts", "replace", "--pause", "0"}, status);
  ASSERT_EQ(status, 0) << report;
  const int at_end = load.requests();
  EXPECT_TRUE(eventually([&] { return load.requests() >= at_end + 50; }))
      << "requests stalled after the rolling restart";
  load.stop();
  EXPECT_EQ(load.failures(), 0) << "of " << load.requests()
                                << " requests; first: " << load.first_failure();
  for (int i = 1; i <= 3; ++i) {
    const int now = host_pid(i);
    EXPECT_GT(now, 0) << "host " << i;
    EXPECT_NE(now, before[i - 1]) << "host " << i << " was not replaced";
    EXPECT_NE(::kill(before[i - 1], 0), 0) << "host " << i << "'s old process still runs";
  }
  // With NGINX on the hosts' sockets (the stack's default) every host went by a takeover, not by
  // a drain first; over TCP upstreams the script drains first, and the count is 0.
  const std::string socket = required_env("ATELIER_STACK_DIR") + "/hosts/1.sock";
  if (::access(socket.c_str(), F_OK) == 0) {
    int takeovers = 0;
    for (auto at = report.find("took over its socket"); at != std::string::npos;
         at = report.find("took over its socket", at + 1)) {
      ++takeovers;
    }
    EXPECT_EQ(takeovers, 3) << report;
  }
}

}  // namespace
}  // namespace atelier::testing
