// The shape of one product's rows: category and how many features, styles, photos, skus and
// related rows it has, planted dirt included. Drawn from the product's own `plan` stream so the
// id-numbering pass and the writing pass compute exactly the same plan (random.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "gen/dirt.hpp"

namespace atelier::gen {

inline constexpr std::size_t kMaxStyles = 6;

struct StylePlan {
  std::uint8_t photos = 0;
  std::uint8_t skus = 0;
};

struct ProductPlan {
  std::uint8_t category = 0;  // index into categories()
  std::uint8_t features = 0;  // natural feature rows (planted extra rows not included)
  std::uint8_t related = 0;   // natural related rows
  std::uint8_t styles = 0;
  std::uint8_t photo_id_gap = 0;  // photo ids skipped after this product (CONTRACT §4 dirt 6)
  std::array<StylePlan, kMaxStyles> style{};
  DirtSite dirt;
};

// Ids each file's rows consume; summed over products it numbers the blocks (ids increase with
// the parent across the whole file, like the real files).
struct IdUsage {
  std::int64_t features = 0;
  std::int64_t styles = 0;
  std::int64_t photos = 0;
  std::int64_t skus = 0;
  std::int64_t related = 0;

  IdUsage& operator+=(const IdUsage& other);
  friend bool operator==(const IdUsage&, const IdUsage&) = default;
};

// `gaps` enables the natural photo-id gaps (off with --no-dirt).
ProductPlan plan_product(std::uint64_t seed, std::int64_t product_id, std::int64_t products,
                         DirtSite dirt, bool gaps);

IdUsage id_usage(const ProductPlan& plan);

}  // namespace atelier::gen
