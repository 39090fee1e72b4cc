// The small bodies: related ids, the cart, errors (CONTRACT §1, §3).
#include <span>
#include <string>
#include <string_view>

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

}  // namespace atelier::json
