#include "gen/dirt.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "gen/random.hpp"

namespace atelier::gen {

std::string_view file_name(CatalogFile file) {
  static constexpr std::array<std::string_view, kCatalogFileCount> kNames = {
      "product.csv", "features.csv", "styles.csv", "photos.csv",
      "skus.csv",    "related.csv",  "cart.csv"};
  return kNames[static_cast<std::size_t>(file)];
}

std::string_view file_header(CatalogFile file) {
  static constexpr std::array<std::string_view, kCatalogFileCount> kHeaders = {
      "id,name,slogan,description,category,default_price",
      "id,product_id,feature,value",
      "id,productId,name,sale_price,original_price,default_style",
      "id,styleId,url,thumbnail_url",
      "id,styleId,size,quantity",
      "id,current_product_id,related_product_id",
      "id,user_session,product_id,active"};
  return kHeaders[static_cast<std::size_t>(file)];
}

std::string_view action_name(DirtAction action) {
  switch (action) {
    case DirtAction::kept:
      return "kept";
    case DirtAction::repaired:
      return "repaired";
    case DirtAction::rejected:
      return "rejected";
  }
  return "kept";
}

DirtDescription describe(DirtKind kind) {
  using F = CatalogFile;
  using A = DirtAction;
  switch (kind) {
    case DirtKind::none:
      break;
    case DirtKind::unterminated_quote:
      return {"unterminated_quote", F::photos, A::repaired};
    case DirtKind::sale_price_zero:
      return {"sale_price_zero", F::styles, A::kept};
    case DirtKind::related_zero:
      return {"related_zero", F::related, A::rejected};
    case DirtKind::related_dangling:
      return {"related_dangling", F::related, A::rejected};
    case DirtKind::related_duplicate:
      return {"related_duplicate", F::related, A::kept};
    case DirtKind::related_self:
      return {"related_self", F::related, A::kept};
    case DirtKind::feature_duplicate_name:
      return {"feature_duplicate_name", F::features, A::kept};
    case DirtKind::photo_out_of_order:
      return {"photo_out_of_order", F::photos, A::kept};
    case DirtKind::sku_out_of_order:
      return {"sku_out_of_order", F::skus, A::kept};
    case DirtKind::sku_duplicate_size:
      return {"sku_duplicate_size", F::skus, A::kept};
    case DirtKind::style_without_photos_and_skus:
      return {"style_without_photos_and_skus", F::styles, A::kept};
    case DirtKind::product_without_styles:
      return {"product_without_styles", F::product, A::kept};
    case DirtKind::huge_price:
      return {"huge_price", F::styles, A::kept};
    case DirtKind::style_dangling_product:
      return {"style_dangling_product", F::styles, A::rejected};
    case DirtKind::photo_dangling_style:
      return {"photo_dangling_style", F::photos, A::rejected};
    case DirtKind::sku_dangling_style:
      return {"sku_dangling_style", F::skus, A::rejected};
    case DirtKind::feature_dangling_product:
      return {"feature_dangling_product", F::features, A::rejected};
    case DirtKind::duplicate_id:
      return {"duplicate_id", F::photos, A::rejected};
    case DirtKind::malformed_sku:
      return {"malformed", F::skus, A::rejected};
    case DirtKind::malformed_feature:
      return {"malformed", F::features, A::rejected};
    case DirtKind::sale_price_null:
      return {"sale_price_null", F::styles, A::kept};
    case DirtKind::feature_value_null:
      return {"feature_value_null", F::features, A::kept};
  }
  return {"none", F::product, A::kept};
}

std::int64_t sites_per_kind(DirtKind kind, std::int64_t products) {
  // "A few instances each, scaled mildly with size": 3 up to 100k products, 13 at the full
  // million. The real files have tens of related_product_id = 0 rows, hence more of those.
  const std::int64_t base = 3 + products / 100'000;
  return kind == DirtKind::related_zero ? base * 3 : base;
}

DirtPlan DirtPlan::choose(std::uint64_t seed, std::int64_t products) {
  DirtPlan plan;
  const std::int64_t candidates = products - 2;  // ids 2 .. N-1
  if (candidates <= 0) return plan;
  // Keep at least half the catalog clean so that sampling terminates fast and most products stay
  // ordinary; tiny catalogs get fewer kinds rather than a catalog made only of dirt.
  std::int64_t budget = candidates / 2;
  Random random = Random::for_stream(seed, 0, Stream::dirt_sites);
  std::unordered_map<std::int64_t, DirtSite> taken;
  for (auto k = static_cast<int>(kFirstPlantedKind); k <= static_cast<int>(kLastPlantedKind); ++k) {
    const auto kind = static_cast<DirtKind>(k);
    const std::int64_t wanted = std::min(sites_per_kind(kind, products), budget);
    for (std::int64_t i = 0; i < wanted; ++i) {
      std::int64_t id = 0;
      do {
        id = random.between(2, products - 1);
      } while (taken.contains(id));
      taken.emplace(id, DirtSite{kind, 0});
    }
    budget -= wanted;
  }
  plan.sites_.assign(taken.begin(), taken.end());
  std::sort(plan.sites_.begin(), plan.sites_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Ordinals in product order, so that they are independent of hash-map iteration order.
  std::array<std::uint32_t, static_cast<std::size_t>(kLastPlantedKind) + 1> next_ordinal{};
  for (auto& [id, site] : plan.sites_) {
    site.ordinal = next_ordinal[static_cast<std::size_t>(site.kind)]++;
  }
  return plan;
}

DirtSite DirtPlan::at(std::int64_t product_id) const {
  const auto it = std::lower_bound(sites_.begin(), sites_.end(), product_id,
                                   [](const std::pair<std::int64_t, DirtSite>& site,
                                      std::int64_t id) { return site.first < id; });
  if (it == sites_.end() || it->first != product_id) return {};
  return it->second;
}

}  // namespace atelier::gen
