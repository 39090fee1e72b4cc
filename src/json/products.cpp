// GET /products and GET /products/:id bodies (CONTRACT §1).
#include <span>
#include <string>
#include <string_view>

#include "json/body_writer.hpp"
#include "json/serialize.hpp"

namespace atelier::json {
namespace {

// The members shared by the list element and the detail object, in contract order.
void write_product_members(detail::BodyWriter& out, const model::Product& product,
                           std::string_view campus) {
  out.key("id");
  out.integer(product.id);
  out.key("campus");
  out.text(campus);
  out.key("name");
  out.text(product.name);
  out.key("slogan");
  out.text(product.slogan);
  out.key("description");
  out.text(product.description);
  out.key("category");
  out.text(product.category);
  out.key("default_price");
  out.price(product.default_price);
  out.key("created_at");
  out.timestamp(product.created_at);
  out.key("updated_at");
  out.timestamp(product.updated_at);
}

}  // namespace

std::string write_product_list(std::span<const model::Product> products, std::string_view campus) {
  detail::BodyWriter out;
  out.start_array();
  for (const model::Product& product : products) {
    out.start_object();
    write_product_members(out, product, campus);
    out.end_object();
  }
  out.end_array();
  return out.finish();
}

std::string write_product_detail(const model::ProductDetail& detail, std::string_view campus) {
  detail::BodyWriter out;
  out.start_object();
  write_product_members(out, detail.product, campus);
  out.key("features");
  out.start_array();
  for (const model::Feature& feature : detail.features) {
    out.start_object();
    out.key("feature");
    out.text(feature.feature);
    out.key("value");
    out.optional_text(feature.value);  // source `null` -> JSON null, never "null"
    out.end_object();
  }
  out.end_array();
  out.end_object();
  return out.finish();
}

}  // namespace atelier::json
