// The planted defects of CONTRACT §4 "Known dirt": which kinds exist, in which file each shows,
// what the loader is expected to do with the line (docs/ARCHITECTURE.md "Generator manifest"), and
// which products carry one.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace atelier::gen {

enum class CatalogFile : std::uint8_t { product, features, styles, photos, skus, related, cart };
inline constexpr std::size_t kCatalogFileCount = 7;

std::string_view file_name(CatalogFile file);    // "product.csv", ...
std::string_view file_header(CatalogFile file);  // exact header of CONTRACT §4

enum class DirtAction : std::uint8_t { kept, repaired, rejected };
std::string_view action_name(DirtAction action);

enum class DirtKind : std::uint8_t {
  none,
  // Planted at chosen products.
  unterminated_quote,
  sale_price_zero,
  related_zero,
  related_dangling,
  related_duplicate,
  related_self,
  feature_duplicate_name,
  photo_out_of_order,
  sku_out_of_order,
  sku_duplicate_size,
  style_without_photos_and_skus,
  product_without_styles,
  huge_price,
  style_dangling_product,
  photo_dangling_style,
  sku_dangling_style,
  feature_dangling_product,
  duplicate_id,
  malformed_sku,
  malformed_feature,
  // Occur naturally (a share of all rows); only the first few are listed in the manifest.
  sale_price_null,
  feature_value_null,
};
inline constexpr auto kFirstPlantedKind = DirtKind::unterminated_quote;
inline constexpr auto kLastPlantedKind = DirtKind::malformed_feature;

struct DirtDescription {
  std::string_view kind;  // manifest "kind"
  CatalogFile file;       // the file whose line is recorded
  DirtAction action;      // what the loader must do with that line
};
DirtDescription describe(DirtKind kind);

// One product's planted defect; `ordinal` numbers the sites of one kind 0, 1, 2, ... in product
// order and varies the defect (e.g. 5,000,000 vs 500,000,000, distinct dangling ids).
struct DirtSite {
  DirtKind kind = DirtKind::none;
  std::uint32_t ordinal = 0;
};

// Sites of every planted kind over products 2..N-1 (never the first or the last product, so a
// broken line is never the file's last line and always has clean neighbours), at most one kind
// per product. A few per kind, growing mildly with N; present from N = 200 on.
class DirtPlan {
 public:
  DirtPlan() = default;  // no dirt
  static DirtPlan choose(std::uint64_t seed, std::int64_t products);

  [[nodiscard]] DirtSite at(std::int64_t product_id) const;
  [[nodiscard]] std::size_t site_count() const { return sites_.size(); }

 private:
  std::vector<std::pair<std::int64_t, DirtSite>> sites_;  // ascending product id
};

// How many products carry each planted kind for a catalog of `products`.
std::int64_t sites_per_kind(DirtKind kind, std::int64_t products);

}  // namespace atelier::gen
