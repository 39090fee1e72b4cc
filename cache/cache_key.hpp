// The key scheme (docs/ARCHITECTURE.md "Revisions"). A product's three bodies are keyed by the
// product's revision, a digest of the content they are made from: a load or a partial update that
// leaves a product alone leaves its keys alone, and one that changes it moves it to new keys. Old
// revisions' keys are deleted by the hosts when they hear of the change, so nothing relies on
// eviction or TTLs to clean up. List pages are keyed by the list revision (the last publish that
// changed any product) and expire, since every such publish makes all of them obsolete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atelier::cache {

// The three cached bodies of one product.
enum class ProductBody { detail, styles, related };
inline constexpr ProductBody kProductBodies[] = {ProductBody::detail, ProductBody::styles,
                                                 ProductBody::related};

// One body of one product, without its revision: what a host's own hot list names (HotSet).
struct BodyRef {
  ProductBody body = ProductBody::detail;
  std::int64_t id = 0;
  bool operator==(const BodyRef&) const = default;
};

struct CacheKey {
  // atelier:product:<id>:<revision as 16 hex digits>   GET /products/:id
  // atelier:styles:<id>:<revision>                      GET /products/:id/styles
  // atelier:related:<id>:<revision>                     GET /products/:id/related
  static std::string body(ProductBody body, std::int64_t id, std::uint64_t revision);
  static std::string product(std::int64_t id, std::uint64_t revision) {
    return body(ProductBody::detail, id, revision);
  }
  static std::string styles(std::int64_t id, std::uint64_t revision) {
    return body(ProductBody::styles, id, revision);
  }
  static std::string related(std::int64_t id, std::uint64_t revision) {
    return body(ProductBody::related, id, revision);
  }
  // atelier:products:<list revision>:<page>:<count>    GET /products?page&count
  static std::string products(std::int64_t list_revision, std::int64_t page, std::int64_t count);
  // atelier:page-budget:<list revision>:    bytes of list pages stored under that revision
  static std::string page_budget(std::int64_t list_revision);
  // A name for loads of a body whose revision is not known yet (a host still reading its
  // revisions): never stored, only collapses concurrent loads (single flight).
  static std::string pending(ProductBody body, std::int64_t id);

  // atelier:hot-products   the products the hosts' in-process tiers held most recently (HotSet)
  static std::string hot_products();
  // atelier:hot-bodies:<name>   the bodies one host's tier held most recently, for the host that
  // takes its place (HotSet, ATELIER_HOT_SET_NAME)
  static std::string hot_bodies(std::string_view name);
  // The product id in a body key (atelier:product|styles|related:<id>:<revision>), else nullopt.
  static std::optional<std::int64_t> body_product(std::string_view key);
  // The body and product of a body key, else nullopt.
  static std::optional<BodyRef> body_of(std::string_view key);
  // A body's name in keys and in the hot lists ("product", "styles", "related"), and back.
  static std::string_view body_name(ProductBody body);
  static std::optional<ProductBody> body_named(std::string_view name);

  // SCAN patterns for ops and tests: one body of one product in every revision, or every key this
  // service owns.
  static std::string body_pattern(ProductBody body, std::int64_t id);  // atelier:styles:<id>:*
  static std::string all_pattern();                                    // atelier:*
};

}  // namespace atelier::cache
