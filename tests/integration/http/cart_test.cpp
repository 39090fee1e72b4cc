// The cart as a shopper and as an attacker meet it (CONTRACT, Cart; docs/SECURITY.md "Sessions"),
// against a real host and PostgreSQL started by scripts/test. Integration label: these security
// tests run whenever the suite does, never skipped by `-L unit`.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cart_client.hpp"
#include "http_client.hpp"
#include "session/session_key.hpp"

using namespace atelier::testing;

namespace {

std::string host() {
  return required_env("HOST1_URL");
}

// Distinct sku ids of the loaded catalog, read once.
const std::vector<std::int64_t>& skus() {
  static const std::vector<std::int64_t> ids = catalog_skus(400);
  return ids;
}

HttpResponse add(const std::string& auth, std::int64_t sku, const Headers& extra = {}) {
  return cart_add(host(), auth, sku, extra);
}

// GET /cart's body as is: these tests compare the exact text.
std::string cart_of(const std::string& auth) {
  return http_get(host(), "/cart", {{"Authorization", auth}}).body;
}

void expect_json_error(const HttpResponse& r, int status, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.body.rfind("{\"error\":\"", 0), 0u) << what << ": " << r.body;
  EXPECT_EQ(r.header("cache-control").value_or(""), "no-store") << what;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

TEST(Cart, ANewSessionGetsAnUnguessableCookieThenCountsPerSku) {
  const auto sku = skus().at(0);
  auto created = add("", sku);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body, "Created");
  const auto cookie = created.header("set-cookie");
  ASSERT_TRUE(cookie.has_value());
  EXPECT_NE(cookie->find("; Path=/; HttpOnly; SameSite=Lax"), std::string::npos);
  EXPECT_EQ(cookie->find("Secure"), std::string::npos) << "plain HTTP: no Secure";
  const std::string session = cookie->substr(0, cookie->find(';'));
  EXPECT_EQ(session.size(), std::string("session=").size() + 43) << "256 bits, base64url";
  auto again = http_request(host(), "POST", "/cart", "{\"sku_id\":\"" + std::to_string(sku) + "\"}",
                            {{"Cookie", session}, {"Content-Type", "application/json"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_FALSE(again.header("set-cookie").has_value());
  auto cart = http_get(host(), "/cart", {{"Cookie", session}});
  EXPECT_EQ(cart.status, 200);
  EXPECT_EQ(cart.body, cart_of_one(sku, 2));
  EXPECT_EQ(cart.header("cache-control").value_or(""), "no-store");
  EXPECT_EQ(http_get(host(), "/cart").body, "[]");
}

TEST(Cart, CookiesOfConsecutiveSessionsShareNothingPredictable) {
  // Not a statistical test: it checks that ids are not sequential or reused, which the old
  // mt19937 ids were not either; the real property (getrandom) is in src/session/session_id.cpp.
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = add("", skus().at(1));
    ASSERT_EQ(r.status, 201);
    ids.insert(r.header("set-cookie").value_or(""));
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST(Cart, TheCookieIsSecureWhenTheClientCameOverTls) {
  auto r = add("", skus().at(0), {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_NE(r.header("set-cookie").value_or("").find("; Secure"), std::string::npos);
}

TEST(Cart, AnAuthorizationUnderTwentyCharactersIs401) {
  for (const std::string& token :
       std::vector<std::string>{"1", "1234", "short-token", std::string(19, 'a')}) {
    expect_json_error(http_get(host(), "/cart", {{"Authorization", token}}), 401, "GET " + token);
    expect_json_error(add(token, skus().at(0)), 401, "POST " + token);
  }
}

TEST(Cart, LegacyNumericSessionsCannotBeReachedByCookieOrToken) {
  // cart.csv's sessions are small numbers; the loaded carts exist but no request names them.
  pqxx::connection c(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(c);
  ASSERT_GT(
      tx.exec("SELECT count(*) FROM atelier.cart WHERE source_id IS NOT NULL")[0][0].as<int>(), 0)
      << "the test catalog has cart.csv rows";
  for (const char* legacy : {"1", "2", "1234", "17"}) {
    EXPECT_EQ(http_get(host(), "/cart", {{"Cookie", std::string("session=") + legacy}}).body, "[]")
        << legacy;
    EXPECT_EQ(http_get(host(), "/cart", {{"Authorization", legacy}}).status, 401) << legacy;
  }
  // A POST with a cookie that was not issued here starts a new session instead.
  auto r =
      http_request(host(), "POST", "/cart", "{\"sku_id\":" + std::to_string(skus().at(0)) + "}",
                   {{"Cookie", "session=1234"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(r.header("set-cookie").has_value());
}

TEST(Cart, AnAddThatIsNotJsonIs415) {
  const std::string token = session_token("ctype");
  const std::string body = "{\"sku_id\":" + std::to_string(skus().at(0)) + "}";
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    expect_json_error(http_request(host(), "POST", "/cart", body,
                                   {{"Authorization", token}, {"Content-Type", type}}),
                      415, std::string(type));
  }
  expect_json_error(http_request(host(), "POST", "/cart", body, {{"Authorization", token}}), 415,
                    "no content type");
  EXPECT_EQ(cart_of(token), "[]") << "a refused add adds nothing";
  EXPECT_EQ(
      http_request(host(), "POST", "/cart", body,
                   {{"Authorization", token}, {"Content-Type", "application/json; charset=utf-8"}})
          .status,
      201);
}

TEST(Cart, UnknownSkuIs422AndMalformedBodiesAre400) {
  const std::string token = session_token("bad");
  expect_json_error(add(token, 999999999999), 422, "unknown sku");
  const Headers headers{{"Authorization", token}, {"Content-Type", "application/json"}};
  expect_json_error(http_request(host(), "POST", "/cart", "{\"sku\":1}", headers), 400,
                    "no sku_id");
  expect_json_error(http_request(host(), "POST", "/cart", "not json", headers), 400, "not json");
}

TEST(Cart, TenUnitsOfOneSkuThenA409NamingTheBound) {
  const std::string token = session_token("units");
  const auto sku = skus().at(2);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(add(token, sku).status, 201) << i;
  auto refused = add(token, sku);
  expect_json_error(refused, 409, "11th unit");
  EXPECT_NE(refused.body.find("units of this sku"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("10"), std::string::npos) << refused.body;
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 10)) << "nothing was added";
  EXPECT_EQ(add(token, skus().at(3)).status, 201) << "another sku still fits";
}

TEST(Cart, AHundredDistinctSkusThenA409NamingTheBound) {
  ASSERT_GE(skus().size(), 101u);
  const std::string token = session_token("skus");
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(add(token, skus()[i]).status, 201) << i;
  auto refused = add(token, skus()[100]);
  expect_json_error(refused, 409, "101st sku");
  EXPECT_NE(refused.body.find("distinct skus"), std::string::npos) << refused.body;
  EXPECT_EQ(add(token, skus()[0]).status, 201) << "one already in the cart still counts up";
}

TEST(Cart, AThousandConcurrentAddsWithinTheBoundsAreAThousandUnits) {
  ASSERT_GE(skus().size(), 100u);
  const std::string token = session_token("thousand");
  std::atomic<int> created{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      // Each thread adds one unit of every sku; ten threads make ten units of each.
      for (int i = 0; i < 100; ++i) {
        const auto r = add(token, skus()[static_cast<std::size_t>((i + t * 10) % 100)]);
        (r.status == 201 ? created : other).fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1000);
  EXPECT_EQ(other.load(), 0);
  std::string expected = "[";
  std::vector<std::int64_t> sorted(skus().begin(), skus().begin() + 100);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) expected += ",";
    expected += cart_line(sorted[i], 10);
  }
  EXPECT_EQ(cart_of(token), expected + "]");
}

TEST(Cart, ConcurrentAddsPastABoundAddExactlyUpToIt) {
  const std::string token = session_token("race");
  const auto sku = skus().at(4);
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 25; ++t) {
    threads.emplace_back([&] {
      const auto r = add(token, sku);
      if (r.status == 201) created.fetch_add(1);
      if (r.status == 409) conflicts.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(conflicts.load(), 15);
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 10));
}

TEST(Cart, TheSameIdempotencyKeyAddsOnceAndAnswersAsTheFirstDid) {
  const std::string token = session_token("idem");
  const auto sku = skus().at(5);
  const Headers key{{"Idempotency-Key", "retry-" + token.substr(0, 20)}};
  auto first = add(token, sku, key);
  auto second = add(token, sku, key);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 1));
  // Another key is another add; the same key in another session is that session's.
  EXPECT_EQ(add(token, sku, {{"Idempotency-Key", "another-key-1"}}).status, 201);
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 2));
  const std::string other = session_token("idem-other");
  EXPECT_EQ(add(other, sku, key).status, 201);
  EXPECT_EQ(cart_of(other), cart_of_one(sku, 1));
  // The same key for another sku is refused, and adds nothing.
  expect_json_error(add(token, skus().at(6), key), 422, "key reused for another sku");
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 2));
}

TEST(Cart, AReplayedRefusalIsTheSameRefusal) {
  const std::string token = session_token("idem409");
  const auto sku = skus().at(7);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(add(token, sku).status, 201);
  const Headers key{{"Idempotency-Key", "full-cart-key"}};
  EXPECT_EQ(add(token, sku, key).status, 409);
  EXPECT_EQ(add(token, sku, key).status, 409);
}

TEST(Cart, ConcurrentRetriesWithOneKeyAddOnce) {
  const std::string token = session_token("idem-race");
  const auto sku = skus().at(8);
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      if (add(token, sku, {{"Idempotency-Key", "one-key-for-all"}}).status == 201) {
        created.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 12) << "every retry is answered as the first";
  EXPECT_EQ(cart_of(token), cart_of_one(sku, 1));
}

TEST(Cart, AMalformedIdempotencyKeyIs400) {
  const std::string token = session_token("idem-bad");
  for (const std::string& key :
       std::vector<std::string>{"short", std::string(65, 'k'), "has a space"}) {
    expect_json_error(add(token, skus().at(0), {{"Idempotency-Key", key}}), 400, key);
  }
  EXPECT_EQ(cart_of(token), "[]");
}

TEST(Cart, TokensAreStoredOnlyAsAKeyedHash) {
  const std::string token = session_token("stored");
  ASSERT_EQ(add(token, skus().at(9)).status, 201);
  pqxx::connection c(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(c);
  // Nowhere in the cart tables, in any column.
  const auto raw = tx.exec("SELECT count(*) FROM atelier.cart c WHERE position(" + tx.quote(token) +
                           " IN c::text) > 0");
  EXPECT_EQ(raw[0][0].as<int>(), 0);
  const auto raw_requests = tx.exec("SELECT count(*) FROM atelier.cart_requests r WHERE position(" +
                                    tx.quote(token) + " IN r::text) > 0");
  EXPECT_EQ(raw_requests[0][0].as<int>(), 0);
  // The key is HMAC-SHA256 with the hosts' secret: without the secret it names no one.
  const std::string secret = read_file(required_env("ATELIER_STACK_DIR") + "/session-secret");
  const std::string key = atelier::session::hmac_sha256_hex(secret, token);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM atelier.cart WHERE session_key = " + tx.quote(key))[0][0]
                .as<int>(),
            1);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM atelier.cart WHERE session_key = " +
                    tx.quote(atelier::session::hmac_sha256_hex("not the secret", token)))[0][0]
                .as<int>(),
            0);
}

TEST(Cart, TheApiRoleCannotWriteCartRowsExceptThroughTheAddFunction) {
  pqxx::connection c(required_env("API_DATABASE_URL"));
  pqxx::nontransaction tx(c);
  EXPECT_THROW(tx.exec("INSERT INTO atelier.cart (session_key, sku_id) VALUES ('x', 1)"),
               pqxx::sql_error);
  pqxx::connection c2(required_env("API_DATABASE_URL"));
  pqxx::nontransaction tx2(c2);
  EXPECT_THROW(tx2.exec("DELETE FROM atelier.cart_requests"), pqxx::sql_error);
}
