// Invalidation: the bodies of the revisions products moved away from leave the host's tiers, and
// nothing else does. A ReadThrough without Redis (its in-process tier alone) stands in for the
// host's cache; the recipe itself (rows -> JSON -> entry -> key) runs against PostgreSQL in the
// integration and end-to-end tests.
#include "product_body/product_body.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using atelier::cache::CacheKey;
using atelier::cache::CacheOptions;
using atelier::cache::Entry;
using atelier::cache::Loaded;
using atelier::cache::ProductBody;
using atelier::cache::ReadThrough;
using atelier::catalog::RevisionChange;

void store_bodies(ReadThrough& cache, std::int64_t id, std::uint64_t revision) {
  for (const ProductBody body : atelier::cache::kProductBodies) {
    Loaded loaded;
    loaded.entry = Entry{200, "\"e\"", "{}"};
    loaded.key = CacheKey::body(body, id, revision);
    cache.store(loaded);
  }
}

bool has_any_body(ReadThrough& cache, std::int64_t id, std::uint64_t revision) {
  for (const ProductBody body : atelier::cache::kProductBodies) {
    if (cache.find(CacheKey::body(body, id, revision))) return true;
  }
  return false;
}

bool has_every_body(ReadThrough& cache, std::int64_t id, std::uint64_t revision) {
  for (const ProductBody body : atelier::cache::kProductBodies) {
    if (!cache.find(CacheKey::body(body, id, revision))) return false;
  }
  return true;
}

TEST(ProductBodyInvalidation, TheFeedsChangesDropThePreviousRevisionsBodiesOnly) {
  ReadThrough cache(CacheOptions{}, 1 << 20);
  store_bodies(cache, 7, 0x10);  // moves to 0x11
  store_bodies(cache, 7, 0x11);  // already the new revision's
  store_bodies(cache, 8, 0x20);  // unchanged
  store_bodies(cache, 9, 0x30);  // deleted
  ASSERT_TRUE(has_every_body(cache, 7, 0x10));

  const std::vector<RevisionChange> changes = {
      {7, 0x10, 0x11}, {9, 0x30, 0}, {10, 0, 0x40}};  // changed, deleted, new
  atelier::product_body::invalidator(cache)(changes);

  EXPECT_FALSE(has_any_body(cache, 7, 0x10));
  EXPECT_FALSE(has_any_body(cache, 9, 0x30));
  EXPECT_TRUE(has_every_body(cache, 7, 0x11));
  EXPECT_TRUE(has_every_body(cache, 8, 0x20));
}

TEST(ProductBodyInvalidation, ALargePublishIsForgottenInFullAcrossBatches) {
  // 1,500 products: 4,500 keys, more than one batch of deletions.
  ReadThrough cache(CacheOptions{}, 64 << 20);
  std::vector<RevisionChange> changes;
  for (std::int64_t id = 1; id <= 1500; ++id) {
    store_bodies(cache, id, 0x100);
    changes.push_back({id, 0x100, 0x101});
  }
  store_bodies(cache, 2000, 0x100);
  atelier::product_body::forget_revisions(cache, changes);
  for (std::int64_t id = 1; id <= 1500; ++id) {
    ASSERT_FALSE(has_any_body(cache, id, 0x100)) << "product " << id;
  }
  EXPECT_TRUE(has_every_body(cache, 2000, 0x100));
}

}  // namespace
