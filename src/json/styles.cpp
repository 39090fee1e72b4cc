// GET /products/:id/styles body (CONTRACT §1), including the placeholders front ends rely on.
#include <charconv>
#include <string>
#include <string_view>

#include "json/body_writer.hpp"
#include "json/serialize.hpp"

namespace atelier::json {
namespace {

void write_photos(detail::BodyWriter& out, const std::vector<model::Photo>& photos) {
  out.key("photos");
  out.start_array();
  if (photos.empty()) {
    // Front ends read photos[0].thumbnail_url unguarded: a style without photos MUST still have
    // one element, with null urls (CONTRACT §1).
    out.start_object();
    out.key("thumbnail_url");
    out.null();
    out.key("url");
    out.null();
    out.end_object();
  }
  for (const model::Photo& photo : photos) {
    out.start_object();
    out.key("thumbnail_url");
    out.optional_text(photo.thumbnail_url);
    out.key("url");
    out.optional_text(photo.url);
    out.end_object();
  }
  out.end_array();
}

void write_skus(detail::BodyWriter& out, const std::vector<model::Sku>& skus) {
  out.key("skus");
  out.start_object();
  if (skus.empty()) {
    // The legacy API's shape for a style without skus (CONTRACT §1).
    out.key("null");
    out.start_object();
    out.key("quantity");
    out.null();
    out.key("size");
    out.null();
    out.end_object();
  }
  // Keyed by sku id, so duplicate size labels stay separate entries (CONTRACT §4 dirt 7).
  for (const model::Sku& sku : skus) {
    char id_text[24];
    const auto result = std::to_chars(id_text, id_text + sizeof id_text, sku.id);
    out.key_ascii(std::string_view(id_text, static_cast<std::size_t>(result.ptr - id_text)));
    out.start_object();
    out.key("quantity");
    out.integer(sku.quantity);
    out.key("size");
    out.text(sku.size);
    out.end_object();
  }
  out.end_object();
}

void write_style(detail::BodyWriter& out, const model::Style& style) {
  out.start_object();
  out.key("style_id");
  out.integer(style.id);
  out.key("name");
  out.text(style.name);
  out.key("original_price");
  out.price(style.original_price);
  out.key("sale_price");
  // A sale price of 0 means "no sale" in the source (CONTRACT §4 dirt 3); front ends test
  // `sale_price !== null`, so both null and 0 are served as null.
  if (style.sale_price && *style.sale_price != 0) {
    out.price(*style.sale_price);
  } else {
    out.null();
  }
  out.key("default?");
  out.boolean(style.is_default);
  write_photos(out, style.photos);
  write_skus(out, style.skus);
  out.end_object();
}

}  // namespace

std::string write_styles(const model::ProductStyles& styles) {
  detail::BodyWriter out;
  out.start_object();
  out.key("product_id");
  out.integer_as_text(styles.product_id);  // a string in the legacy API
  out.key("results");
  out.start_array();
  for (const model::Style& style : styles.styles) write_style(out, style);
  out.end_array();
  out.end_object();
  return out.finish();
}

}  // namespace atelier::json
