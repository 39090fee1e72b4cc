#include "gen/manifest.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace atelier::gen {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_key(Writer& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_string(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_example(Writer& writer, std::string_view key, const std::optional<std::int64_t>& id) {
  if (!id) return;
  write_key(writer, key);
  writer.Int64(*id);
}

void write_example(Writer& writer, std::string_view key, const std::optional<StyleExample>& style) {
  if (!style) return;
  write_key(writer, key);
  writer.StartObject();
  write_key(writer, "product_id");
  writer.Int64(style->product_id);
  write_key(writer, "style_id");
  writer.Int64(style->style_id);
  writer.EndObject();
}

void write_example(Writer& writer, std::string_view key, const std::optional<PhotoExample>& photo) {
  if (!photo) return;
  write_key(writer, key);
  writer.StartObject();
  write_key(writer, "product_id");
  writer.Int64(photo->product_id);
  write_key(writer, "style_id");
  writer.Int64(photo->style_id);
  write_key(writer, "photo_id");
  writer.Int64(photo->photo_id);
  writer.EndObject();
}

template <typename T>
void fill(std::optional<T>& mine, const std::optional<T>& theirs) {
  if (!mine && theirs) mine = theirs;
}

}  // namespace

void ManifestExamples::fill_missing_from(const ManifestExamples& later) {
  fill(product_without_styles, later.product_without_styles);
  fill(style_without_photos_and_skus, later.style_without_photos_and_skus);
  fill(sale_zero, later.sale_zero);
  fill(sale_null, later.sale_null);
  fill(related_duplicates, later.related_duplicates);
  fill(related_self, later.related_self);
  fill(related_zero, later.related_zero);
  fill(feature_duplicate_name, later.feature_duplicate_name);
  fill(feature_null_value, later.feature_null_value);
  fill(duplicate_size, later.duplicate_size);
  fill(huge_price, later.huge_price);
  fill(photos_out_of_order, later.photos_out_of_order);
  fill(unterminated_quote_photo, later.unterminated_quote_photo);
}

std::string write_manifest_json(const Manifest& manifest) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  write_key(writer, "seed");
  writer.Uint64(manifest.seed);
  write_key(writer, "products");
  writer.Int64(manifest.products);

  write_key(writer, "rows");
  writer.StartObject();
  for (const auto& [file, rows] : manifest.rows) {
    write_key(writer, file);
    writer.Int64(rows);
  }
  writer.EndObject();

  write_key(writer, "planted");
  writer.StartArray();
  for (const PlantedLine& line : manifest.planted) {
    writer.StartObject();
    write_key(writer, "file");
    write_string(writer, line.file);
    write_key(writer, "line");
    writer.Int64(line.line);
    write_key(writer, "kind");
    write_string(writer, line.kind);
    write_key(writer, "action");
    write_string(writer, action_name(line.action));
    writer.EndObject();
  }
  writer.EndArray();

  const ManifestExamples& e = manifest.examples;
  write_key(writer, "examples");
  writer.StartObject();
  write_example(writer, "product_without_styles", e.product_without_styles);
  write_example(writer, "style_without_photos_and_skus", e.style_without_photos_and_skus);
  write_example(writer, "sale_zero", e.sale_zero);
  write_example(writer, "sale_null", e.sale_null);
  write_example(writer, "related_duplicates", e.related_duplicates);
  write_example(writer, "related_self", e.related_self);
  write_example(writer, "related_zero", e.related_zero);
  write_example(writer, "feature_duplicate_name", e.feature_duplicate_name);
  write_example(writer, "feature_null_value", e.feature_null_value);
  write_example(writer, "duplicate_size", e.duplicate_size);
  write_example(writer, "huge_price", e.huge_price);
  write_example(writer, "photos_out_of_order", e.photos_out_of_order);
  write_example(writer, "unterminated_quote_photo", e.unterminated_quote_photo);
  writer.EndObject();

  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace atelier::gen
