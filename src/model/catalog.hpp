// Domain structs of the catalog, shared by the queries (catalog/), the serializers (json/),
// the warm-up tool and the tests. Plain data: no library types, no behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atelier::model {

// Prices are kept in cents so that "140.00" is produced by integer formatting, never by a double
// (CONTRACT §1: exactly two decimals; LIBRARY-NOTES §4: RapidJSON truncates doubles).
using Cents = std::int64_t;
// Milliseconds since the Unix epoch, UTC; served as "2021-08-13T14:38:44.509Z".
using EpochMillis = std::int64_t;

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::string slogan;
  std::string description;
  std::string category;
  Cents default_price = 0;
  EpochMillis created_at = 0;
  EpochMillis updated_at = 0;
  // Names the content of the product's bodies (docs/ARCHITECTURE.md "Revisions"): cache keys
  // carry it. Not serialized.
  std::uint64_t revision = 0;
};

struct Feature {
  std::string feature;
  std::optional<std::string> value;  // nullopt = source `null` -> JSON null
};

struct ProductDetail {
  Product product;
  std::vector<Feature> features;  // source-file order
};

struct Photo {
  std::optional<std::string> thumbnail_url;
  std::optional<std::string> url;
};

struct Sku {
  std::int64_t id = 0;
  std::int64_t quantity = 0;
  std::string size;  // always a string: "7.5", "XL"
};

struct Style {
  std::int64_t id = 0;
  std::string name;
  Cents original_price = 0;
  std::optional<Cents>
      sale_price;  // as in the source: nullopt for `null`; 0 is kept (serializer maps it to null)
  bool is_default = false;
  std::vector<Photo> photos;  // source-file order
  std::vector<Sku> skus;      // source-file order (CONTRACT §1: the legacy API's order)
};

struct ProductStyles {
  std::int64_t product_id = 0;
  std::vector<Style> styles;   // ascending style id
  std::uint64_t revision = 0;  // the product's revision (not serialized)
};

struct RelatedIds {
  std::int64_t product_id = 0;
  std::uint64_t revision = 0;     // the product's revision (not serialized)
  std::vector<std::int64_t> ids;  // source-file order
};

struct CartLine {
  std::int64_t sku_id = 0;
  std::int64_t count = 0;
};

}  // namespace atelier::model
