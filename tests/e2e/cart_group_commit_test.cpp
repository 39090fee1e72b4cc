// The cart's group commit seen from outside (docs/CART.md): many shoppers adding at once on the
// three hosts, each reading their cart on another host right after every 201, always see every
// unit they were answered for (read-your-writes across hosts); an add answered 201 is still there
// after the primary crashed (immediate stop, WAL replay); while the primary is down cart requests
// are 503 with Retry-After, bad input stays 4xx, and the hosts keep running.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "stack_control.hpp"

namespace atelier::testing {
namespace {

std::string fresh_session(const std::string& name) {
  // Appended piece by piece: GCC 12 reports a false -Wrestrict for a chain of operator+ here.
  std::string session = "group-commit-";
  session += name;
  session += '-';
  session += std::to_string(::getpid());
  session += '-';
  session += std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  return session;
}

// The first sku of product 1's styles, from the API itself.
std::int64_t some_sku(const std::string& api) {
  for (int product = 1; product < 50; ++product) {
    auto r = http_get(api, "/products/" + std::to_string(product) + "/styles");
    if (r.status != 200) continue;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str(), r.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("results")) continue;
    for (const auto& style : doc["results"].GetArray()) {
      for (const auto& sku : style["skus"].GetObject()) {
        const std::string id = sku.name.GetString();
        if (id != "null") return std::stoll(id);
      }
    }
  }
  return 0;
}

// Units of `sku` in GET /cart's body; -1 when the body is not a cart.
std::int64_t units_in(const std::string& body, std::int64_t sku) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsArray()) return -1;
  for (const auto& line : doc.GetArray()) {
    if (line["sku_id"].GetInt64() == sku) return std::stoll(line["count"].GetString());
  }
  return 0;
}

HttpResponse add(const std::string& host, const std::string& session, std::int64_t sku) {
  return http_request(host, "POST", "/cart", "{\"sku_id\":" + std::to_string(sku) + "}",
                      {{"Authorization", session}, {"Content-Type", "application/json"}});
}

TEST(CartGroupCommit, EveryShopperReadsTheirOwnAddsOnAnotherHost) {
  const std::vector<std::string> hosts = {required_env("HOST1_URL"), required_env("HOST2_URL"),
                                          required_env("HOST3_URL")};
  const std::int64_t sku = some_sku(required_env("API_URL"));
  ASSERT_NE(sku, 0) << "no sku in the catalog";
  constexpr int kShoppers = 24;
  constexpr int kAddsEach = 25;
  std::atomic<int> not_created{0};
  std::atomic<int> stale_reads{0};
  std::vector<std::thread> shoppers;
  std::vector<std::string> sessions;
  for (int s = 0; s < kShoppers; ++s) sessions.push_back(fresh_session(std::to_string(s)));
  for (int s = 0; s < kShoppers; ++s) {
    shoppers.emplace_back([&, s] {
      const std::string& session = sessions[s];
      for (int i = 1; i <= kAddsEach; ++i) {
        // Adds and reads go round the hosts, the read always to another host than the add.
        const std::size_t on = static_cast<std::size_t>(s + i) % hosts.size();
        if (add(hosts[on], session, sku).status != 201) {
          ++not_created;
          return;
        }
        auto cart = http_get(hosts[(on + 1) % hosts.size()], "/cart", {{"Authorization", session}});
        if (cart.status != 200 || units_in(cart.body, sku) != i) ++stale_reads;
      }
    });
  }
  for (auto& shopper : shoppers) shopper.join();
  EXPECT_EQ(not_created.load(), 0);
  EXPECT_EQ(stale_reads.load(), 0) << "a read on another host missed an add answered 201";
}

// Polls GET /cart on `host` until it answers 200 (the hosts reconnect after the restart); the
// last response. Bounded by attempts, not by time.
HttpResponse cart_when_back(const std::string& host, const std::string& session) {
  HttpResponse r;
  for (int attempt = 0; attempt < 200; ++attempt) {
    r = http_get(host, "/cart", {{"Authorization", session}});
    if (r.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return r;
}

TEST(CartGroupCommit, AnAnsweredAddSurvivesAPrimaryCrash) {
  const std::string api = required_env("API_URL");
  const std::string host1 = required_env("HOST1_URL");
  const std::int64_t sku = some_sku(api);
  ASSERT_NE(sku, 0);
  const std::string session = fresh_session("crash");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(add(host1, session, sku).status, 201);

  ASSERT_EQ(run_stack_function("pg_crash"), 0) << "could not stop PostgreSQL";
  // Down: cart writes and reads are 503 with Retry-After; bad input is still 4xx.
  const auto down_add = add(host1, session, sku);
  const auto down_read = http_get(host1, "/cart", {{"Authorization", session}});
  const auto bad = http_request(host1, "POST", "/cart", "{\"sku\":1}",
                                {{"Authorization", session}, {"Content-Type", "application/json"}});
  const int restarted = run_stack_function("pg_start");
  ASSERT_EQ(restarted, 0) << "PostgreSQL did not come back";
  EXPECT_EQ(down_add.status, 503) << down_add.body;
  EXPECT_TRUE(down_add.header("retry-after").has_value());
  EXPECT_EQ(down_read.status, 503) << down_read.body;
  EXPECT_EQ(bad.status, 400);

  const auto after = cart_when_back(required_env("HOST2_URL"), session);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(units_in(after.body, sku), 3) << after.body;
  // And the cart takes adds again, on every host.
  for (const char* host : {"HOST1_URL", "HOST2_URL", "HOST3_URL"}) {
    HttpResponse r;
    for (int attempt = 0; attempt < 200 && r.status != 201; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      r = add(required_env(host), session, sku);
    }
    EXPECT_EQ(r.status, 201) << host << " " << r.body;
  }
}

}  // namespace
}  // namespace atelier::testing
