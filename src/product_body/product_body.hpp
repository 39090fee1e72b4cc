// Where a product body is made (docs/ARCHITECTURE.md "The read path of a product request"). A
// product has three bodies (cache::ProductBody: detail, styles, related), and each is made the same
// way by a host's miss and by the warm-up tool: the product's rows (catalog::ProductRows for one
// product, catalog::BatchReader for many), then JSON (json::write_*), then compression
// (encoding::make_entry, once, here), then a cache entry keyed by the revision the rows came from
// (cache::CacheKey::body). When a product moves to a new revision its old bodies are dropped from
// the cache (forget_revisions), wired straight from the change feed (invalidator).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"
#include "catalog/batch_reader.hpp"
#include "catalog/change_feed.hpp"
#include "catalog/product_reader.hpp"
#include "catalog/result.hpp"

namespace atelier::product_body {

// One body of one product: its cache entry (the JSON, compressed) under its key, and the revision
// the rows came from (the key names it).
struct Body {
  std::int64_t id = 0;
  std::uint64_t revision = 0;
  cache::KeyedEntry keyed;
};

// A host's miss: the body of product `id`; nullopt = no such product.
catalog::Result<std::optional<Body>> make_one(catalog::ProductRows& reader, cache::ProductBody body,
                                              std::int64_t id, std::string_view campus);

// The warm-up's batch: the products with first <= id <= last, or (for the kinds read by list)
// only those of `only` when it is not empty (sorted). Ascending by id.
struct Selection {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::span<const std::int64_t> only;
};
catalog::Result<std::vector<Body>> make_batch(catalog::BatchReader& reader, cache::ProductBody body,
                                              const Selection& selection, std::string_view campus);

// Drops from both of the host's tiers the bodies of the revisions these products moved away from.
void forget_revisions(cache::ReadThrough& cache, std::span<const catalog::RevisionChange> changes);
// forget_revisions on `cache`, for catalog::ChangeFeedOptions::on_changes: the feed's thread drops
// old bodies itself, through nothing but this library and the cache.
std::function<void(std::span<const catalog::RevisionChange>)> invalidator(
    cache::ReadThrough& cache);

}  // namespace atelier::product_body
