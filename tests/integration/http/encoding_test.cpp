// Content codings seen from outside (issue 12): real hosts, Redis and Postgres started by
// scripts/test. Bodies are kept gzip-compressed in the cache; each request gets the coding it
// accepts, with its own ETag, and If-None-Match is compared per representation.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "cache/cache_key.hpp"
#include "cache/entry.hpp"
#include "encoding/content_coding.hpp"
#include "http_client.hpp"
#include "test_redis.hpp"

namespace atelier::testing {
namespace {

constexpr const char* kBrowser = "gzip, deflate, br";

std::string host(int index = 1) {
  const std::string name = "HOST" + std::to_string(index) + "_URL";
  return required_env(name.c_str());
}

std::int64_t scalar(const std::string& sql) {
  pqxx::connection db(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(db);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

// Products near the end of the catalog that no other test reads, so each test below is the
// first to ask for its bodies (`slot` 0..19 -> one product each).
std::int64_t fresh_product(int slot) {
  return scalar("SELECT max(id) FROM catalog.products") - 60 + slot;
}

std::uint64_t revision(std::int64_t id) {
  return static_cast<std::uint64_t>(
      scalar("SELECT revision FROM catalog.products WHERE id = " + std::to_string(id)));
}

HttpResponse get(const std::string& base, const std::string& target,
                 std::optional<std::string> accept_encoding, Headers extra = {}) {
  if (accept_encoding) extra.emplace_back("Accept-Encoding", *accept_encoding);
  return http_get(base, target, extra);
}

std::string inflate(const std::string& gzip) {
  auto body = encoding::gzip_inflate(gzip, 64 << 20);
  EXPECT_TRUE(body.has_value()) << "not one valid gzip member";
  return body.value_or("");
}

bool is_gzip(const HttpResponse& r) {
  return r.header("content-encoding").value_or("") == "gzip";
}

TEST(Encoding, NoAcceptEncodingGetsIdentityJson) {
  const auto id = std::to_string(fresh_product(0));
  for (const std::string& target :
       {"/products/" + id, "/products/" + id + "/styles", "/products/" + id + "/related",
        std::string("/products?count=20")}) {
    auto r = get(host(), target, std::nullopt);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_FALSE(r.header("content-encoding").has_value()) << target;
    EXPECT_EQ(r.header("vary").value_or(""), "Accept-Encoding") << target;
    EXPECT_TRUE(r.body.starts_with("{") || r.body.starts_with("[")) << target << ": " << r.body;
  }
}

TEST(Encoding, BrowserAcceptEncodingGetsGzipThatInflatesToExactlyTheIdentityJson) {
  const auto id = std::to_string(fresh_product(1));
  for (const std::string& target :
       {"/products/" + id, "/products/" + id + "/styles", std::string("/products?count=20")}) {
    auto gzip = get(host(), target, kBrowser);
    auto identity = get(host(), target, std::nullopt);
    ASSERT_EQ(gzip.status, 200) << target;
    EXPECT_TRUE(is_gzip(gzip)) << target;
    EXPECT_EQ(gzip.header("vary").value_or(""), "Accept-Encoding") << target;
    EXPECT_LT(gzip.body.size(), identity.body.size()) << target;
    EXPECT_EQ(inflate(gzip.body), identity.body) << target;
    // Strong, and not the identity representation's tag.
    const std::string tag = gzip.header("etag").value_or("");
    EXPECT_EQ(tag, identity.header("etag").value_or("").insert(17, "-gzip")) << target;
  }
}

TEST(Encoding, InflatedBodyIsTheContractJson) {
  // The contract's exact shape of a product without styles is pinned by the manifest-driven API
  // tests; here: a gzip body inflates to the same bytes the database-backed identity answer has,
  // for a body that is certainly built from Postgres (its key removed first).
  const auto id = fresh_product(2);
  auto conn = redis();
  std::vector<std::string> keys{cache::CacheKey::product(id, revision(id))};
  conn.unlink(keys);
  auto gzip = get(host(2), "/products/" + std::to_string(id), "gzip");
  ASSERT_TRUE(is_gzip(gzip));
  const std::string json = inflate(gzip.body);
  EXPECT_TRUE(json.starts_with("{\"id\":" + std::to_string(id) + ",\"campus\":\"")) << json;
  EXPECT_NE(json.find(",\"features\":["), std::string::npos) << json;
  EXPECT_TRUE(json.ends_with("]}")) << json;
}

TEST(Encoding, BodiesAreGzipExactlyWhenGzipIsSmaller) {
  // A related list of a few ids grows under gzip: it is kept and sent as is, to everyone.
  const auto id = std::to_string(fresh_product(3));
  for (const std::string& target : {"/products/" + id + "/related", "/products/" + id + "/styles",
                                    std::string("/products?page=999999&count=5")}) {
    const std::string identity = get(host(), target, std::nullopt).body;
    auto r = get(host(), target, kBrowser);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(is_gzip(r), encoding::gzip_compress(identity).size() < identity.size())
        << target << ": " << identity;
    EXPECT_EQ(is_gzip(r) ? inflate(r.body) : r.body, identity) << target;
    EXPECT_EQ(r.header("vary").value_or(""), "Accept-Encoding") << target;
  }
  // `[]` (a page past the end) is certainly smaller as is.
  EXPECT_FALSE(is_gzip(get(host(), "/products?page=999999&count=5", kBrowser)));
}

TEST(Encoding, BrOnlyClientGetsIdentity) {
  // No body is kept in brotli (docs/ARCHITECTURE.md "Compressed bodies"), and gzip was not offered.
  const auto target = "/products/" + std::to_string(fresh_product(4)) + "/styles";
  auto r = get(host(), target, "br");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.header("content-encoding").has_value());
  EXPECT_EQ(r.body, get(host(), target, std::nullopt).body);
  EXPECT_TRUE(is_gzip(get(host(), target, "br, gzip")));
}

TEST(Encoding, QZeroExcludesACoding) {
  const auto target = "/products/" + std::to_string(fresh_product(5)) + "/styles";
  const std::string identity = get(host(), target, std::nullopt).body;
  for (const std::string header : {"gzip;q=0", "gzip;q=0, deflate", "*, gzip;q=0",
                                   "gzip;q=0.5, identity", "identity;q=0, *;q=0"}) {
    auto r = get(host(), target, header);
    EXPECT_FALSE(r.header("content-encoding").has_value()) << header;
    EXPECT_EQ(r.body, identity) << header;
  }
  for (const std::string header : {"gzip;q=0.5", "gzip, identity;q=0", "GZIP", "x-gzip"}) {
    EXPECT_TRUE(is_gzip(get(host(), target, header))) << header;
  }
}

TEST(Encoding, WildcardAcceptsGzip) {
  const auto target = "/products/" + std::to_string(fresh_product(6)) + "/styles";
  EXPECT_TRUE(is_gzip(get(host(), target, "*")));
  EXPECT_TRUE(is_gzip(get(host(), target, "*;q=0.5")));
  EXPECT_FALSE(get(host(), target, "*;q=0").header("content-encoding").has_value());
  EXPECT_FALSE(get(host(), target, "identity, *;q=0").header("content-encoding").has_value());
}

TEST(Encoding, NotModifiedIsPerRepresentation) {
  const auto target = "/products/" + std::to_string(fresh_product(7)) + "/styles";
  auto gzip = get(host(), target, kBrowser);
  auto identity = get(host(), target, std::nullopt);
  const std::string gzip_tag = gzip.header("etag").value_or("");
  const std::string identity_tag = identity.header("etag").value_or("");
  ASSERT_FALSE(gzip_tag.empty());
  ASSERT_NE(gzip_tag, identity_tag);

  auto revisit = get(host(), target, kBrowser, {{"If-None-Match", gzip_tag}});
  EXPECT_EQ(revisit.status, 304);
  EXPECT_TRUE(revisit.body.empty());
  EXPECT_EQ(revisit.header("etag").value_or(""), gzip_tag);
  EXPECT_EQ(revisit.header("vary").value_or(""), "Accept-Encoding");
  EXPECT_EQ(get(host(), target, std::nullopt, {{"If-None-Match", identity_tag}}).status, 304);
  // A tag of the other representation does not validate this one: the client gets the bytes.
  auto cross = get(host(), target, std::nullopt, {{"If-None-Match", gzip_tag}});
  EXPECT_EQ(cross.status, 200);
  EXPECT_EQ(cross.body, identity.body);
  auto cross_gzip = get(host(), target, kBrowser, {{"If-None-Match", identity_tag}});
  EXPECT_EQ(cross_gzip.status, 200);
  EXPECT_EQ(cross_gzip.body, gzip.body);
  // Either tag in a list, and the weak form, validate their own representation.
  EXPECT_EQ(
      get(host(), target, kBrowser, {{"If-None-Match", identity_tag + ", " + gzip_tag}}).status,
      304);
  EXPECT_EQ(get(host(), target, kBrowser, {{"If-None-Match", "W/" + gzip_tag}}).status, 304);
}

// A miss on one host, then hits on the others (from Redis) and on itself (in-process): the same
// bytes and tags in each coding, whichever coding the miss was made for.
void expect_hits_equal_the_miss(const std::string& target, const std::string& key,
                                const std::optional<std::string>& miss_coding) {
  auto conn = redis();
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  auto miss = get(host(1), target, miss_coding);
  ASSERT_EQ(miss.status, 200);
  ASSERT_TRUE(conn.get(key).ok()) << "the first request must have been a miss that stored " << key;
  for (const std::optional<std::string>& coding :
       {std::optional<std::string>(kBrowser), std::optional<std::string>()}) {
    auto from_miss_host = get(host(1), target, coding);
    for (int other : {2, 3}) {
      auto hit = get(host(other), target, coding);
      EXPECT_EQ(hit.status, 200);
      EXPECT_EQ(hit.body, from_miss_host.body) << target << " host " << other;
      EXPECT_EQ(hit.header("etag"), from_miss_host.header("etag")) << target;
      EXPECT_EQ(hit.header("content-encoding"), from_miss_host.header("content-encoding"));
    }
    if (coding == miss_coding) {
      EXPECT_EQ(from_miss_host.body, miss.body);
      EXPECT_EQ(from_miss_host.header("etag"), miss.header("etag"));
    }
  }
}

TEST(Encoding, BytesOfAHitEqualBytesOfAGzipMiss) {
  const auto id = fresh_product(8);
  expect_hits_equal_the_miss("/products/" + std::to_string(id) + "/styles",
                             cache::CacheKey::styles(id, revision(id)), kBrowser);
}

TEST(Encoding, BytesOfAHitEqualBytesOfAnIdentityMiss) {
  const auto id = fresh_product(9);
  expect_hits_equal_the_miss("/products/" + std::to_string(id),
                             cache::CacheKey::product(id, revision(id)), std::nullopt);
}

TEST(Encoding, CacheKeepsTheGzipBytesTheHostsSend) {
  const auto id = fresh_product(10);
  const std::string key = cache::CacheKey::styles(id, revision(id));
  auto conn = redis();
  std::vector<std::string> keys{key};
  conn.unlink(keys);
  auto sent = get(host(), "/products/" + std::to_string(id) + "/styles", kBrowser);
  auto stored = conn.get(key);
  ASSERT_TRUE(stored.ok());
  auto entry = cache::decode_entry(stored.value);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->coding, cache::BodyCoding::gzip);
  EXPECT_EQ(entry->body, sent.body);
}

TEST(Encoding, ThroughNginxEncodedBodiesPassUntouched) {
  const std::string api = required_env("API_URL");
  const auto target = "/products/" + std::to_string(fresh_product(11)) + "/styles";
  auto direct = get(host(), target, kBrowser);
  auto via = get(api, target, kBrowser);
  ASSERT_EQ(via.status, 200);
  EXPECT_EQ(via.header("content-encoding").value_or(""), "gzip");
  EXPECT_EQ(via.body, direct.body);  // not compressed a second time
  // NGINX's own gzip would weaken the tag (W/"..."): it must stay the host's strong tag.
  EXPECT_EQ(via.header("etag"), direct.header("etag"));
  EXPECT_EQ(via.header("vary").value_or(""), "Accept-Encoding");
  // A client that weighs identity above gzip gets identity through NGINX too (NGINX's gzip
  // filter ignores q-values other than 0).
  auto identity = get(api, target, "gzip;q=0.5, identity");
  EXPECT_FALSE(identity.header("content-encoding").has_value());
  EXPECT_EQ(identity.body, get(host(), target, std::nullopt).body);
}

}  // namespace
}  // namespace atelier::testing
