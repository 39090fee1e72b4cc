// The one place that turns domain structs into response bytes. The API hosts and the warm-up tool
// both call these functions, so a cached entry is byte-identical whoever wrote it (CONTRACT §1).
// All output is compact UTF-8 JSON with keys in contract order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "model/catalog.hpp"

namespace atelier::json {

// GET /products?page&count — `[{"id":..,"campus":..,...,"updated_at":..}, ...]` (no features).
std::string write_product_list(std::span<const model::Product> products, std::string_view campus);

// GET /products/:id — the list object plus "features":[{"feature":..,"value":..|null}].
std::string write_product_detail(const model::ProductDetail& detail, std::string_view campus);

// GET /products/:id/styles — {"product_id":"<id>","results":[style...]} with the placeholder rules
// for styles without photos / skus and sale_price 0 -> null.
std::string write_styles(const model::ProductStyles& styles);

// GET /products/:id/related — [1,2,3].
std::string write_related(std::span<const std::int64_t> related_ids);

// GET /cart — [{"sku_id":1,"count":"2"}].
std::string write_cart(std::span<const model::CartLine> lines);

// Every 4xx/5xx body: {"error":"<message>"}.
std::string write_error(std::string_view message);

// GET /readyz 200 — {"status":"ready","database":"up","dataset_version":3,"publish":7,
// "products":1000011,"cache":"up"}: the dataset, the newest catalog publish this host applied and
// the products in its revision table.
// One catalog read endpoint as /readyz shows it (replicas, then the primary).
struct ReadEndpointState {
  std::string_view endpoint;  // host:port
  std::string_view state;     // up | down | unknown
  bool replica = false;
  double lag_seconds = 0;
  bool preferred = false;  // the one reads use now
};
// The cache's read endpoint (ATELIER_REDIS_READ_URL) as /readyz shows it:
// "cache_read":{"endpoint":"10.0.0.32:6379","state":"up|backoff"}.
struct CacheReadState {
  std::string_view endpoint;  // empty: no read endpoint, no "cache_read" key
  std::string_view state;
};
struct ReadyState {
  std::int64_t dataset_version = 0;
  std::int64_t publish = 0;
  std::int64_t products = 0;
  std::string_view cache;
  std::span<const ReadEndpointState> read_endpoints;  // empty: no "read_endpoints" key
  CacheReadState cache_read;
};
std::string write_ready(const ReadyState& state);

// GET /readyz 503 — {"error":"<message>","database":"down|not_loaded","cache":"up"}.
std::string write_not_ready(std::string_view message, std::string_view database_state,
                            std::string_view cache_state,
                            std::span<const ReadEndpointState> read_endpoints = {},
                            const CacheReadState& cache_read = {});

// One log line's object: every value a string, keys in the given order, any bytes escaped and
// invalid UTF-8 replaced (U+FFFD), so a request path from the wire cannot break the line.
std::string write_string_fields(
    std::span<const std::pair<std::string_view, std::string_view>> fields);

// "140.00" from 14000 cents; negative values keep their sign ("-1.05").
std::string format_price(model::Cents cents);

// "2021-08-13T14:38:44.509Z" from milliseconds since the epoch (UTC).
std::string format_timestamp(model::EpochMillis millis);

// Strong ETag of a body, quotes included: "\"<16 hex digits>\"". Same bytes -> same tag.
std::string etag_for(std::string_view body);

}  // namespace atelier::json
