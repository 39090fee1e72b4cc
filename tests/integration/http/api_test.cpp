// The API contract (CONTRACT §1-3) over real HTTP against a host started by scripts/test, reading
// the small generated catalog (with dirt) that scripts/test loaded. Ids come from the generator's
// manifest, so the tests follow the data instead of hard-coding it.
#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <algorithm>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "catalog_control.hpp"
#include "http_client.hpp"
#include "polling.hpp"

namespace atelier::testing {
namespace {

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text.substr(0, 200);
  return doc;
}

const rapidjson::Document& manifest() {
  static const rapidjson::Document doc = [] {
    std::ifstream in(required_env("ATELIER_DATA_DIR") + "/manifest.json");
    std::stringstream ss;
    ss << in.rdbuf();
    rapidjson::Document d;
    d.Parse(ss.str().c_str());
    return d;
  }();
  return doc;
}

std::int64_t example_id(const char* name, const char* field = nullptr) {
  const auto& m = manifest();
  if (!m.IsObject() || !m.HasMember("examples") || !m["examples"].HasMember(name)) {
    ADD_FAILURE() << "manifest has no example " << name;
    return 0;
  }
  const auto& v = m["examples"][name];
  if (field == nullptr) return v.IsInt64() ? v.GetInt64() : v["product_id"].GetInt64();
  return v[field].GetInt64();
}

std::int64_t product_count() {
  return manifest()["products"].GetInt64();
}

std::string host() {
  return required_env("HOST1_URL");
}

void expect_json_error(const HttpResponse& r, int status, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << " -> " << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json; charset=utf-8") << what;
  auto doc = parse_json(r.body);
  ASSERT_TRUE(doc.IsObject()) << what;
  ASSERT_TRUE(doc.HasMember("error") && doc["error"].IsString()) << what << " -> " << r.body;
  EXPECT_GT(doc["error"].GetStringLength(), 10u) << what;
  EXPECT_EQ(doc.MemberCount(), 1u) << what;
}

const rapidjson::Value* find_style(const rapidjson::Document& doc, std::int64_t style_id) {
  for (const auto& s : doc["results"].GetArray()) {
    if (s["style_id"].GetInt64() == style_id) return &s;
  }
  return nullptr;
}

TEST(ProductsList, DefaultPageIsFiveProductsInIdOrderWithContractKeys) {
  auto r = http_get(host(), "/products");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json; charset=utf-8");
  EXPECT_EQ(r.header("access-control-allow-origin").value_or(""), "*");
  EXPECT_EQ(r.body.rfind("[{\"id\":1,\"campus\":\"hr-rfp\",\"name\":", 0), 0u)
      << r.body.substr(0, 80);
  auto doc = parse_json(r.body);
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 5u);
  const char* keys[] = {"id",       "campus",        "name",       "slogan",    "description",
                        "category", "default_price", "created_at", "updated_at"};
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    EXPECT_EQ(doc[i]["id"].GetInt64(), static_cast<std::int64_t>(i + 1));
    ASSERT_EQ(doc[i].MemberCount(), 9u);
    int k = 0;
    for (auto m = doc[i].MemberBegin(); m != doc[i].MemberEnd(); ++m, ++k) {
      EXPECT_STREQ(m->name.GetString(), keys[k]);
    }
    const std::string price = doc[i]["default_price"].GetString();
    EXPECT_EQ(price.size() - price.find('.'), 3u) << price;
    const std::string created = doc[i]["created_at"].GetString();
    EXPECT_EQ(created.size(), 24u) << created;
    EXPECT_EQ(created.back(), 'Z');
  }
}

TEST(ProductsList, PagesAreRanksOfAscendingIds) {
  auto doc = parse_json(http_get(host(), "/products?page=2&count=3").body);
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 3u);
  EXPECT_EQ(doc[0]["id"].GetInt64(), 4);
  EXPECT_EQ(doc[2]["id"].GetInt64(), 6);
}

TEST(ProductsList, LargeCountsAndPagesPastTheEnd) {
  auto big = parse_json(http_get(host(), "/products?count=2000").body);
  ASSERT_TRUE(big.IsArray());
  EXPECT_EQ(big.Size(),
            static_cast<rapidjson::SizeType>(std::min<std::int64_t>(2000, product_count())));
  auto past = http_get(host(), "/products?page=100000&count=1000");
  EXPECT_EQ(past.status, 200);
  EXPECT_EQ(past.body, "[]");
  auto huge = http_get(host(), "/products?page=9223372036854775807&count=5000");
  EXPECT_EQ(huge.status, 200);
  EXPECT_EQ(huge.body, "[]");
  auto with_unknown = http_get(host(), "/products/?count=2&unknown=x");
  EXPECT_EQ(with_unknown.status, 200);
  EXPECT_EQ(parse_json(with_unknown.body).Size(), 2u);
}

TEST(ProductDetail, HasFeaturesInSourceOrderWithNullValues) {
  const auto id = example_id("feature_null_value");
  auto r = http_get(host(), "/products/" + std::to_string(id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse_json(r.body);
  EXPECT_EQ(doc["id"].GetInt64(), id);
  ASSERT_TRUE(doc.HasMember("features"));
  bool saw_null = false;
  for (const auto& f : doc["features"].GetArray()) {
    ASSERT_EQ(f.MemberCount(), 2u);
    EXPECT_STREQ(f.MemberBegin()->name.GetString(), "feature");
    if (f["value"].IsNull()) saw_null = true;
    if (f["value"].IsString()) {
      EXPECT_STRNE(f["value"].GetString(), "null");
    }
  }
  EXPECT_TRUE(saw_null) << r.body;
  EXPECT_NE(r.body.find(",\"features\":["), std::string::npos);
}

TEST(ProductDetail, DuplicateFeatureNamesAreKept) {
  auto doc = parse_json(
      http_get(host(), "/products/" + std::to_string(example_id("feature_duplicate_name"))).body);
  std::multiset<std::string> names;
  for (const auto& f : doc["features"].GetArray()) names.insert(f["feature"].GetString());
  bool duplicate = false;
  for (const auto& n : names) duplicate = duplicate || names.count(n) > 1;
  EXPECT_TRUE(duplicate);
}

TEST(ProductDetail, UnknownIdIs404AndBadIdsAre400) {
  expect_json_error(http_get(host(), "/products/" + std::to_string(product_count() + 100000)), 404,
                    "unknown");
  expect_json_error(http_get(host(), "/products/0"), 400, "zero");
  expect_json_error(http_get(host(), "/products/abc"), 400, "abc");
  expect_json_error(http_get(host(), "/products/99999999999999999999"), 400, "past 64 bits");
}

TEST(Styles, ProductIdIsAStringAndStylesAscend) {
  auto r = http_get(host(), "/products/1/styles/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("{\"product_id\":\"1\",\"results\":[", 0), 0u) << r.body.substr(0, 60);
  auto doc = parse_json(r.body);
  std::int64_t last = 0;
  for (const auto& s : doc["results"].GetArray()) {
    EXPECT_GT(s["style_id"].GetInt64(), last);
    last = s["style_id"].GetInt64();
    EXPECT_TRUE(s["default?"].IsBool());
    EXPECT_TRUE(s["original_price"].IsString());
    EXPECT_TRUE(s["sale_price"].IsNull() || s["sale_price"].IsString());
    ASSERT_GE(s["photos"].Size(), 1u);
    for (const auto& sku : s["skus"].GetObject()) EXPECT_TRUE(sku.value["size"].IsString());
  }
}

TEST(Styles, ProductWithoutStylesHasEmptyResults) {
  const auto id = example_id("product_without_styles");
  auto r = http_get(host(), "/products/" + std::to_string(id) + "/styles");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"product_id\":\"" + std::to_string(id) + "\",\"results\":[]}");
}

TEST(Styles, StyleWithoutPhotosAndSkusGetsThePlaceholders) {
  const auto product = example_id("style_without_photos_and_skus", "product_id");
  const auto style = example_id("style_without_photos_and_skus", "style_id");
  auto r = http_get(host(), "/products/" + std::to_string(product) + "/styles");
  ASSERT_EQ(r.status, 200);
  auto doc = parse_json(r.body);
  const auto* s = find_style(doc, style);
  ASSERT_NE(s, nullptr) << r.body;
  EXPECT_NE(r.body.find("\"photos\":[{\"thumbnail_url\":null,\"url\":null}],\"skus\":{\"null\":{"
                        "\"quantity\":null,\"size\":null}}"),
            std::string::npos);
}

TEST(Styles, SaleZeroAndNullAreNullHugePricesAreExact) {
  for (const char* example : {"sale_zero", "sale_null"}) {
    auto doc = parse_json(
        http_get(host(),
                 "/products/" + std::to_string(example_id(example, "product_id")) + "/styles")
            .body);
    const auto* s = find_style(doc, example_id(example, "style_id"));
    ASSERT_NE(s, nullptr) << example;
    EXPECT_TRUE((*s)["sale_price"].IsNull()) << example;
  }
  auto doc = parse_json(
      http_get(host(),
               "/products/" + std::to_string(example_id("huge_price", "product_id")) + "/styles")
          .body);
  const auto* s = find_style(doc, example_id("huge_price", "style_id"));
  ASSERT_NE(s, nullptr);
  const std::string price = (*s)["original_price"].GetString();
  EXPECT_TRUE(price == "5000000.00" || price == "500000000.00") << price;
}

TEST(Styles, DuplicateSizesAreAllKept) {
  auto doc = parse_json(
      http_get(host(), "/products/" + std::to_string(example_id("duplicate_size", "product_id")) +
                           "/styles")
          .body);
  const auto* s = find_style(doc, example_id("duplicate_size", "style_id"));
  ASSERT_NE(s, nullptr);
  std::multiset<std::string> sizes;
  for (const auto& sku : (*s)["skus"].GetObject()) sizes.insert(sku.value["size"].GetString());
  bool duplicate = false;
  for (const auto& z : sizes) duplicate = duplicate || sizes.count(z) > 1;
  EXPECT_TRUE(duplicate);
}

TEST(Styles, PhotosFollowSourceFileOrderNotIdOrder) {
  const auto style = example_id("photos_out_of_order", "style_id");
  // Source order straight from photos.csv: `id,styleId,"url","thumbnail_url"` per line.
  std::ifstream in(required_env("ATELIER_DATA_DIR") + "/photos.csv");
  std::string line;
  std::vector<std::string> urls;
  const std::string prefix_mid = "," + std::to_string(style) + ",\"";
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos || line.compare(comma, prefix_mid.size(), prefix_mid) != 0)
      continue;
    const auto start = comma + prefix_mid.size();
    urls.push_back(line.substr(start, line.find('"', start) - start));
  }
  ASSERT_GE(urls.size(), 2u);
  auto doc = parse_json(
      http_get(host(), "/products/" +
                           std::to_string(example_id("photos_out_of_order", "product_id")) +
                           "/styles")
          .body);
  const auto* s = find_style(doc, style);
  ASSERT_NE(s, nullptr);
  std::vector<std::string> served;
  for (const auto& p : (*s)["photos"].GetArray()) served.push_back(p["url"].GetString());
  EXPECT_EQ(served, urls);
}

TEST(Styles, SkusFollowSourceFileOrderNotIdOrder) {
  // CONTRACT §1: the legacy API lists a style's skus in the order of their rows in skus.csv. The
  // generator plants rows out of id order (kind sku_out_of_order); take the first such line.
  std::int64_t planted_line = 0;
  for (const auto& p : manifest()["planted"].GetArray()) {
    if (std::string(p["kind"].GetString()) == "sku_out_of_order") {
      planted_line = p["line"].GetInt64();
      break;
    }
  }
  ASSERT_GT(planted_line, 0) << "the test catalog has no sku out of order";
  std::ifstream in(required_env("ATELIER_DATA_DIR") + "/skus.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GE(lines.size(), static_cast<std::size_t>(planted_line));
  const std::string& planted = lines[static_cast<std::size_t>(planted_line - 1)];
  const std::string style = planted.substr(
      planted.find(',') + 1, planted.find(',', planted.find(',') + 1) - planted.find(',') - 1);
  std::vector<std::string> file_order;  // sku ids of the style, in file order
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto first = lines[i].find(',');
    const auto second = lines[i].find(',', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (lines[i].compare(first + 1, second - first - 1, style) == 0) {
      file_order.push_back(lines[i].substr(0, first));
    }
  }
  ASSERT_GE(file_order.size(), 2u);
  EXPECT_FALSE(std::is_sorted(
      file_order.begin(), file_order.end(),
      [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); }))
      << "the planted style's skus are in id order already";
  // The style's product, from styles.csv.
  std::ifstream styles(required_env("ATELIER_DATA_DIR") + "/styles.csv");
  std::string product;
  for (std::string line; std::getline(styles, line);) {
    if (line.rfind(style + ",", 0) == 0) {
      product = line.substr(style.size() + 1, line.find(',', style.size() + 1) - style.size() - 1);
      break;
    }
  }
  ASSERT_FALSE(product.empty());
  auto doc = parse_json(http_get(host(), "/products/" + product + "/styles").body);
  const auto* s = find_style(doc, std::stoll(style));
  ASSERT_NE(s, nullptr);
  std::vector<std::string> served;
  for (const auto& sku : (*s)["skus"].GetObject()) served.emplace_back(sku.name.GetString());
  EXPECT_EQ(served, file_order);
}

TEST(Related, KeepsDuplicatesAndSelfReferencesDropsZero) {
  auto dup = parse_json(
      http_get(host(), "/products/" + std::to_string(example_id("related_duplicates")) + "/related")
          .body);
  ASSERT_TRUE(dup.IsArray());
  std::multiset<std::int64_t> ids;
  for (const auto& v : dup.GetArray()) ids.insert(v.GetInt64());
  bool duplicate = false;
  for (auto id : ids) duplicate = duplicate || ids.count(id) > 1;
  EXPECT_TRUE(duplicate);
  const auto self = example_id("related_self");
  auto self_doc =
      parse_json(http_get(host(), "/products/" + std::to_string(self) + "/related").body);
  bool has_self = false;
  for (const auto& v : self_doc.GetArray()) has_self = has_self || v.GetInt64() == self;
  EXPECT_TRUE(has_self);
  auto zero = parse_json(
      http_get(host(), "/products/" + std::to_string(example_id("related_zero")) + "/related")
          .body);
  for (const auto& v : zero.GetArray()) {
    EXPECT_GT(v.GetInt64(), 0);
    EXPECT_LE(v.GetInt64(), product_count());
  }
  expect_json_error(
      http_get(host(), "/products/" + std::to_string(product_count() + 7) + "/related"), 404,
      "unknown related");
}

TEST(HttpBehaviour, StrongEtagAndIfNoneMatch) {
  auto first = http_get(host(), "/products/2/styles");
  ASSERT_EQ(first.status, 200);
  const auto etag = first.header("etag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->front(), '"');
  auto again = http_get(host(), "/products/2/styles", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto other = http_get(host(), "/products/2/styles", {{"If-None-Match", "\"nope\""}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, first.body);
}

TEST(HttpBehaviour, PreflightAndWrongMethods) {
  auto pre = http_request(host(), "OPTIONS", "/products/1");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin").value_or(""), "*");
  EXPECT_NE(pre.header("access-control-allow-methods").value_or("").find("POST"),
            std::string::npos);
  EXPECT_EQ(pre.header("access-control-allow-headers").value_or(""),
            "Authorization, Content-Type, Idempotency-Key");
  auto wrong = http_request(host(), "DELETE", "/products/1");
  expect_json_error(wrong, 405, "DELETE");
  EXPECT_EQ(wrong.header("allow").value_or(""), "GET, OPTIONS");
  auto put_cart = http_request(host(), "PUT", "/cart", "{}");
  expect_json_error(put_cart, 405, "PUT /cart");
  EXPECT_EQ(put_cart.header("allow").value_or(""), "GET, POST, OPTIONS");
  expect_json_error(http_get(host(), "/nope"), 404, "unknown path");
}

TEST(HttpBehaviour, Http11IsKeptAlive) {
  auto r = http_get(host(), "/healthz");
  EXPECT_EQ(r.status, 200);
  std::string connection = r.header("connection").value_or("");
  for (auto& c : connection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(connection, "keep-alive");
}

TEST(Operations, HealthReadinessAndMetrics) {
  EXPECT_EQ(http_get(host(), "/healthz").status, 200);
  auto ready = http_get(host(), "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"database\":\"up\""), std::string::npos);
  auto metrics = http_get(host(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                "atelier_http_requests_total{route=\"/products/:id/styles\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("atelier_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("atelier_db_query_duration_seconds_count"), std::string::npos);
  EXPECT_NE(metrics.body.find("atelier_cache_hits_total"), std::string::npos);
}

// At least 40 malformed requests, each answered 4xx with a JSON error body (CONTRACT §3).
TEST(BadInput, MalformedRequestsGetJsonErrors) {
  struct Case {
    std::string method, target, body;
    Headers headers;
  };
  std::vector<Case> cases;
  for (const char* id : {"0", "-1", "abc", "1.5", "1e3", "%31", "99999999999999999999", "+1",
                         "0x1F", "1%20", "1'", "1;select", "9223372036854775808"}) {
    cases.push_back({"GET", std::string("/products/") + id, "", {}});
    cases.push_back({"GET", std::string("/products/") + id + "/styles", "", {}});
  }
  for (const char* q :
       {"page=0", "page=-1", "count=0", "count=-3", "count=abc", "count=99999999999999999999",
        "page=1.5", "count=5001", "page=", "count=", "page=1e2", "count=%35"}) {
    cases.push_back({"GET", std::string("/products?") + q, "", {}});
  }
  for (const char* body :
       {"", "{", "[]", "{\"sku_id\":null}", "{\"sku_id\":-1}", "{\"sku_id\":\"x\"}",
        "{\"sku_id\":1.5}", "\"sku\"", "{\"sku_id\":1}}"}) {
    cases.push_back(
        {"POST",
         "/cart",
         body,
         {{"Authorization", "bad-input-token-of-twenty+"}, {"Content-Type", "application/json"}}});
  }
  for (const char* path :
       {"/", "/product", "/products/1/photos", "/api", "/cart/1", "/products//styles"}) {
    cases.push_back({"GET", path, "", {}});
  }
  cases.push_back({"POST", "/products", "{}", {}});
  cases.push_back({"DELETE", "/cart", "", {}});
  cases.push_back({"PATCH", "/products/1/related", "", {}});
  ASSERT_GE(cases.size(), 40u);
  for (const auto& c : cases) {
    auto r = http_request(host(), c.method, c.target, c.body, c.headers);
    EXPECT_GE(r.status, 400) << c.method << " " << c.target << " " << c.body;
    EXPECT_LT(r.status, 500) << c.method << " " << c.target << " " << c.body;
    auto doc = parse_json(r.body);
    EXPECT_TRUE(doc.IsObject() && doc.HasMember("error"))
        << c.method << " " << c.target << " -> " << r.body;
  }
}

TEST(BadInput, BrokenHttpAndOversizedRequestsGetJsonErrors) {
  // Over ATELIER_MAX_REQUEST_BYTES (64 KiB): the header, and the body.
  const std::string big_header(70000, 'a');
  for (const std::string& raw :
       {std::string("GET /products/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + big_header + "\r\n\r\n"),
        std::string("POST /cart HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" +
                    std::string(70000, '{')),
        std::string("BREW /products HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("GET /products/1 HTTP/9.9\r\nHost: x\r\n\r\n")}) {
    auto r = http_raw(host(), raw);
    EXPECT_GE(r.status, 400) << raw.substr(0, 40) << " " << r.error;
    EXPECT_LT(r.status, 500) << raw.substr(0, 40);
    EXPECT_TRUE(parse_json(r.body).IsObject()) << r.body;
  }
  // The host still answers normally afterwards.
  EXPECT_EQ(http_get(host(), "/products/1").status, 200);
}

// The host's own port is as strict as NGINX (issue 11 item 8): an HTTP/1.1 request without Host,
// and a request target with control bytes or raw non-ASCII bytes, are 400 with a JSON error, even
// where the path and query would otherwise be served.
TEST(BadInput, RequestsNginxWouldRefuseAreRefusedByTheHost) {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HTTP/1.1 without Host", "GET /products/1 HTTP/1.1\r\n\r\n"},
      {"HTTP/1.1 without Host, other headers", "GET /products/1 HTTP/1.1\r\nAccept: */*\r\n\r\n"},
      {"NUL in path", "GET /products/1\0 HTTP/1.1\r\nHost: x\r\n\r\n"s},
      {"NUL in query", "GET /products/1?x=\0 HTTP/1.1\r\nHost: x\r\n\r\n"s},
      {"TAB in query", "GET /products?page=1\t HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"control byte in path", "GET /products/1\x01 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"DEL in query", "GET /products/1?a=\x7f HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"raw UTF-8 in query", "GET /products/1?q=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"raw byte in path", "GET /products/1\xff HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (const auto& [name, raw] : cases) {
    const auto r = http_raw(host(), raw);
    EXPECT_EQ(r.status, 400) << name << ": " << r.error;
    const auto doc = parse_json(r.body);
    EXPECT_TRUE(doc.IsObject() && doc.HasMember("error")) << name << ": " << r.body;
  }
  // HTTP/1.0 may omit Host; a percent-encoded target is fine.
  EXPECT_EQ(http_raw(host(), "GET /products/1 HTTP/1.0\r\n\r\n").status, 200);
  EXPECT_EQ(http_raw(host(), "GET /products/1?q=caf%C3%A9%00 HTTP/1.1\r\nHost: x\r\n\r\n").status,
            200);
}

// A refused request does not poison the connection: the next request on it is answered.
// After a refusal the host answers Connection: close and closes: whatever follows on the
// connection (the rest of a refused request, a smuggled one) is never read as a new request.
TEST(BadInput, ARefusedRequestClosesTheConnection) {
  HttpConnection connection(host());
  ASSERT_TRUE(connection.connected()) << connection.error();
  ASSERT_TRUE(connection.send("GET /products/1 HTTP/1.1\r\n\r\n"));
  const auto refused = connection.read_response();
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.header("connection").value_or(""), "close");
  EXPECT_TRUE(connection.closed_by_server());
  EXPECT_EQ(http_get(host(), "/products/1").status, 200) << "the host itself serves on";
}

TEST(BadInput, TheRestOfARefusedRequestIsNotReadAsANewOne) {
  HttpConnection connection(host());
  ASSERT_TRUE(connection.connected()) << connection.error();
  // One write: a refused request (no Host) followed by a well-formed one.
  ASSERT_TRUE(connection.send(
      "GET /products/1 HTTP/1.1\r\n\r\nGET /products/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(connection.read_response().status, 400);
  EXPECT_TRUE(connection.closed_by_server());
  EXPECT_EQ(connection.buffered(), 0u) << "no second answer";
}

// Request bodies need a Content-Length: a chunked body is refused with 411 before Pistache's
// chunk parser runs (it would reserve the declared 16 TiB chunk). NGINX never sends one upstream.
TEST(BadInput, ChunkedBodiesAreRefusedWithLengthRequired) {
  for (const std::string& body : {std::string("fffffffffff\r\nhello\r\n0\r\n\r\n"),
                                  std::string("c\r\n{\"sku_id\":1}\r\n0\r\n\r\n")}) {
    auto r = http_raw(host(),
                      "POST /cart HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: application/json\r\n\r\n" +
                          body);
    EXPECT_EQ(r.status, 411) << r.error;
    auto doc = parse_json(r.body);
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << r.body;
    EXPECT_NE(std::string(doc["error"].GetString()).find("Content-Length"), std::string::npos);
  }
  EXPECT_EQ(http_get(host(), "/products/1").status, 200);
}

// A reload while requests run: no error, and every response is entirely the old or the new data.
TEST(Reload, ConcurrentReloadIsInvisibleToClients) {
  const std::string target = "/products/5";
  const std::string before = http_get(host(), target).body;
  const std::string styles_before = http_get(host(), "/products/5/styles").body;
  const std::int64_t publish_before = served_publish(host());
  ASSERT_GT(publish_before, 0) << "the host's /readyz names no publish";
  std::atomic<bool> done{false};
  std::atomic<int> rounds{0};
  std::atomic<int> errors{0};
  std::mutex seen_mutex;
  std::set<std::string> seen;
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!done.load()) {
        auto r = http_get(host(), target);
        auto s = http_get(host(), "/products/5/styles");
        {
          std::lock_guard lock(seen_mutex);
          if (r.status != 200 || s.status != 200 || s.body != styles_before) {
            errors.fetch_add(1);
            if (first_failure.empty()) {
              first_failure = std::to_string(r.status) + "/" + std::to_string(s.status) + " " +
                              r.error + s.error;
            }
          }
          seen.insert(r.body);
        }
        rounds.fetch_add(1);
        // Paced so the client cannot run out of ephemeral ports (see cache_test.cpp).
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  const std::string command = required_env("ATELIER_BIN_DIR") + "/atelier-etl --data " +
                              required_env("ATELIER_DATA_DIR") + " --database-url '" +
                              required_env("DATABASE_URL") + "' > /dev/null 2>&1";
  const int rc = std::system(command.c_str());
  // The clients go on until the host serves the new dataset, and for a few rounds after.
  EXPECT_TRUE(wait_for_publish({host()}, publish_before + 1));
  const int rounds_at_publish = rounds.load();
  EXPECT_TRUE(eventually([&] { return rounds.load() >= rounds_at_publish + 20; }));
  done = true;
  for (auto& c : clients) c.join();
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(errors.load(), 0) << "first: " << first_failure;
  // The same files again: the product did not change, so neither did its body (created_at and
  // updated_at are carried over) nor its ETag, and a browser's revalidation still gets a 304.
  const auto after = http_get(host(), target);
  EXPECT_EQ(before, after.body);
  for (const auto& body : seen) EXPECT_EQ(body, before);
  const auto etag = after.header("etag").value_or("");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(http_get(host(), target, {{"If-None-Match", etag}}).status, 304);
}

}  // namespace
}  // namespace atelier::testing
