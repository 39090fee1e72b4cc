#include "gen/product_plan.hpp"

#include <algorithm>
#include <span>

#include "gen/random.hpp"
#include "gen/vocabulary.hpp"

namespace atelier::gen {
namespace {

// Per-mille tables; their means are tuned to the per-parent averages of CONTRACT §4
// (2.2 features, 1.96 styles, 2.9 photos per style, 4.5 related; skus follow the size scale).
struct Weighted {
  std::uint8_t value;
  std::uint16_t per_mille;
};
constexpr Weighted kFeatureCounts[] = {{0, 66}, {1, 198}, {2, 361}, {3, 242}, {4, 91}, {5, 42}};
constexpr Weighted kStyleCounts[] = {{1, 435}, {2, 312}, {3, 153}, {4, 60}, {5, 40}};
constexpr Weighted kPhotoCounts[] = {{1, 140}, {2, 246}, {3, 300}, {4, 214}, {5, 100}};
constexpr Weighted kRelatedCounts[] = {{0, 8},   {1, 39},  {2, 108}, {3, 160}, {4, 190},
                                       {5, 180}, {6, 152}, {7, 103}, {8, 60}};
constexpr Weighted kApparelSkuCounts[] = {{4, 88}, {5, 190}, {6, 722}};

std::uint8_t pick(Random& random, std::span<const Weighted> table) {
  auto roll = static_cast<std::uint32_t>(random.below(1000));
  for (const Weighted& entry : table) {
    if (roll < entry.per_mille) return entry.value;
    roll -= entry.per_mille;
  }
  return table.back().value;
}

std::uint8_t pick_category(Random& random) {
  const auto all = categories();
  std::uint32_t total = 0;
  for (const CategoryWords& c : all) total += c.weight;
  auto roll = static_cast<std::uint32_t>(random.below(total));
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (roll < all[i].weight) return static_cast<std::uint8_t>(i);
    roll -= all[i].weight;
  }
  return 0;
}

std::uint8_t sku_count(Random& random, SizeScale scale) {
  switch (scale) {
    case SizeScale::apparel:
      return pick(random, kApparelSkuCounts);
    case SizeScale::shoes:
      return static_cast<std::uint8_t>(random.between(6, 12));
    case SizeScale::one_size:
      return 1;
  }
  return 1;
}

bool needs_several_sizes(DirtKind kind) {
  return kind == DirtKind::sku_out_of_order || kind == DirtKind::sku_duplicate_size;
}

}  // namespace

IdUsage& IdUsage::operator+=(const IdUsage& other) {
  features += other.features;
  styles += other.styles;
  photos += other.photos;
  skus += other.skus;
  related += other.related;
  return *this;
}

ProductPlan plan_product(std::uint64_t seed, std::int64_t product_id, std::int64_t products,
                         DirtSite dirt, bool gaps) {
  Random random = Random::for_stream(seed, static_cast<std::uint64_t>(product_id), Stream::plan);
  ProductPlan plan;
  plan.dirt = dirt;
  plan.category = pick_category(random);
  if (needs_several_sizes(dirt.kind)) {
    // Swapped or repeated sizes need a style with several skus: move one-size goods to apparel.
    while (categories()[plan.category].sizes == SizeScale::one_size) {
      plan.category = pick_category(random);
    }
  }
  const SizeScale scale = categories()[plan.category].sizes;
  plan.features = pick(random, kFeatureCounts);
  plan.styles = pick(random, kStyleCounts);
  for (std::size_t s = 0; s < plan.styles; ++s) {
    plan.style[s].photos = pick(random, kPhotoCounts);
    plan.style[s].skus = sku_count(random, scale);
  }
  // A one-product catalog has nothing else to relate to.
  plan.related = products > 1 ? pick(random, kRelatedCounts) : 0;
  if (gaps && random.per_mille(20))
    plan.photo_id_gap = static_cast<std::uint8_t>(random.between(1, 3));

  // Planted dirt needs rows to act on: make sure they exist.
  auto at_least = [](std::uint8_t& count, std::uint8_t minimum) {
    count = std::max(count, minimum);
  };
  switch (dirt.kind) {
    case DirtKind::product_without_styles:
      plan.styles = 0;
      break;
    case DirtKind::style_without_photos_and_skus:
      // The last style is the empty one; the first keeps photos so the page still has some.
      if (plan.styles < 2) {
        plan.styles = 2;
        plan.style[1] = {pick(random, kPhotoCounts), sku_count(random, scale)};
      }
      plan.style[plan.styles - 1] = {0, 0};
      break;
    case DirtKind::unterminated_quote:
    case DirtKind::duplicate_id:
    case DirtKind::photo_dangling_style:
    case DirtKind::photo_out_of_order:
    case DirtKind::sku_out_of_order:
    case DirtKind::sku_duplicate_size:
    case DirtKind::sku_dangling_style:
    case DirtKind::malformed_sku:
    case DirtKind::sale_price_zero:
    case DirtKind::huge_price:
      at_least(plan.style[0].photos, dirt.kind == DirtKind::photo_out_of_order ? 2 : 1);
      at_least(plan.style[0].skus, needs_several_sizes(dirt.kind) ? 2 : 1);
      break;
    case DirtKind::feature_duplicate_name:
    case DirtKind::feature_dangling_product:
    case DirtKind::malformed_feature:
      at_least(plan.features, 1);
      break;
    case DirtKind::related_zero:
    case DirtKind::related_dangling:
    case DirtKind::related_duplicate:
    case DirtKind::related_self:
      at_least(plan.related, 2);
      break;
    default:
      break;
  }
  return plan;
}

IdUsage id_usage(const ProductPlan& plan) {
  IdUsage usage;
  usage.features = plan.features;
  usage.styles = plan.styles;
  usage.related = plan.related;
  for (std::size_t s = 0; s < plan.styles; ++s) {
    usage.photos += plan.style[s].photos;
    usage.skus += plan.style[s].skus;
  }
  usage.photos += plan.photo_id_gap;
  // Planted extra rows take the next id of their file (duplicate_id repeats an existing id).
  switch (plan.dirt.kind) {
    case DirtKind::feature_duplicate_name:
    case DirtKind::feature_dangling_product:
    case DirtKind::malformed_feature:
      ++usage.features;
      break;
    case DirtKind::style_dangling_product:
      ++usage.styles;
      break;
    case DirtKind::photo_dangling_style:
      ++usage.photos;
      break;
    case DirtKind::sku_dangling_style:
    case DirtKind::malformed_sku:
      ++usage.skus;
      break;
    case DirtKind::related_zero:
    case DirtKind::related_dangling:
    case DirtKind::related_duplicate:
    case DirtKind::related_self:
      ++usage.related;
      break;
    default:
      break;
  }
  return usage;
}

}  // namespace atelier::gen
