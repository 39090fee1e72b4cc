// The small bodies: related ids, the cart, errors (CONTRACT §1, §3), readiness, log lines.
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "json/body_writer.hpp"
#include "json/serialize.hpp"

namespace atelier::json {

std::string write_related(std::span<const std::int64_t> related_ids) {
  detail::BodyWriter out;
  out.start_array();
  for (const std::int64_t id : related_ids) out.integer(id);
  out.end_array();
  return out.finish();
}

std::string write_cart(std::span<const model::CartLine> lines) {
  detail::BodyWriter out;
  out.start_array();
  for (const model::CartLine& line : lines) {
    out.start_object();
    out.key("sku_id");
    out.integer(line.sku_id);
    out.key("count");
    out.integer_as_text(line.count);  // a string in the legacy API
    out.end_object();
  }
  out.end_array();
  return out.finish();
}

std::string write_error(std::string_view message) {
  detail::BodyWriter out;
  out.start_object();
  out.key("error");
  out.text(message);
  out.end_object();
  return out.finish();
}

namespace {

void put_read_endpoints(detail::BodyWriter& out, std::span<const ReadEndpointState> endpoints) {
  if (endpoints.empty()) return;
  out.key("read_endpoints");
  out.start_array();
  for (const auto& e : endpoints) {
    out.start_object();
    out.key("endpoint");
    out.text(e.endpoint);
    out.key("state");
    out.ascii(e.state);
    out.key("replica");
    out.boolean(e.replica);
    out.key("lag_seconds");
    out.number(e.lag_seconds);
    out.key("preferred");
    out.boolean(e.preferred);
    out.end_object();
  }
  out.end_array();
}

void put_cache_read(detail::BodyWriter& out, const CacheReadState& cache_read) {
  if (cache_read.endpoint.empty()) return;
  out.key("cache_read");
  out.start_object();
  out.key("endpoint");
  out.text(cache_read.endpoint);
  out.key("state");
  out.text(cache_read.state);
  out.end_object();
}

}  // namespace

std::string write_ready(const ReadyState& state) {
  detail::BodyWriter out;
  out.start_object();
  out.key("status");
  out.ascii("ready");
  out.key("database");
  out.ascii("up");
  out.key("dataset_version");
  out.integer(state.dataset_version);
  out.key("publish");
  out.integer(state.publish);
  out.key("products");
  out.integer(state.products);
  out.key("cache");
  out.text(state.cache);
  put_cache_read(out, state.cache_read);
  put_read_endpoints(out, state.read_endpoints);
  out.end_object();
  return out.finish();
}

std::string write_not_ready(std::string_view message, std::string_view database_state,
                            std::string_view cache_state,
                            std::span<const ReadEndpointState> read_endpoints,
                            const CacheReadState& cache_read) {
  detail::BodyWriter out;
  out.start_object();
  out.key("error");
  out.text(message);
  out.key("database");
  out.text(database_state);
  out.key("cache");
  out.text(cache_state);
  put_cache_read(out, cache_read);
  put_read_endpoints(out, read_endpoints);
  out.end_object();
  return out.finish();
}

std::string write_string_fields(
    std::span<const std::pair<std::string_view, std::string_view>> fields) {
  detail::BodyWriter out;
  out.start_object();
  for (const auto& [key, value] : fields) {
    out.key_text(key);
    out.text(value);
  }
  out.end_object();
  return out.finish();
}

}  // namespace atelier::json
