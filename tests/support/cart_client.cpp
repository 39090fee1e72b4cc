#include "cart_client.hpp"

#include <rapidjson/document.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>

namespace atelier::testing {

HttpResponse cart_add(const std::string& base_url, const std::string& session, std::int64_t sku,
                      const Headers& extra, int timeout_ms) {
  Headers headers{{"Content-Type", "application/json"}};
  if (!session.empty()) headers.push_back({"Authorization", session});
  headers.insert(headers.end(), extra.begin(), extra.end());
  return http_request(base_url, "POST", "/cart", "{\"sku_id\":" + std::to_string(sku) + "}",
                      headers, timeout_ms);
}

std::optional<CartCounts> read_cart(const std::string& base_url, const std::string& session) {
  const auto r = http_get(base_url, "/cart", {{"Authorization", session}});
  if (r.status != 200) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsArray()) return std::nullopt;
  CartCounts counts;
  for (const auto& line : doc.GetArray()) {
    counts[line["sku_id"].GetInt64()] = std::stoll(line["count"].GetString());
  }
  return counts;
}

std::int64_t cart_units(const std::string& base_url, const std::string& session, std::int64_t sku) {
  const auto cart = read_cart(base_url, session);
  if (!cart) return -1;
  const auto it = cart->find(sku);
  return it == cart->end() ? 0 : it->second;
}

std::string cart_line(std::int64_t sku, std::int64_t count) {
  return "{\"sku_id\":" + std::to_string(sku) + ",\"count\":\"" + std::to_string(count) + "\"}";
}

std::string cart_of_one(std::int64_t sku, std::int64_t count) {
  std::string body = "[";
  body += cart_line(sku, count);
  body += ']';
  return body;
}

std::string session_token(const std::string& tag) {
  // The one state shared by every call: a count of this process's tokens, so that two made in the
  // same microsecond (tests make them from several threads) still differ.
  static std::atomic<int> made{0};
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string token = tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++made) + "-" +
                      std::to_string(micros);
  if (token.size() < 40) token.resize(40, 'x');
  return token;
}

std::vector<std::int64_t> catalog_skus(std::size_t n) {
  pqxx::connection c(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(c);
  std::vector<std::int64_t> out;
  for (const auto& row :
       tx.exec("SELECT id FROM catalog.skus ORDER BY id LIMIT " + std::to_string(n))) {
    out.push_back(row[0].as<std::int64_t>());
  }
  return out;
}

}  // namespace atelier::testing
