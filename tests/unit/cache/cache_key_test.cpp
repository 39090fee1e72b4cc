#include "cache/cache_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace atelier::cache {
namespace {

TEST(CacheKey, ProductKeyCarriesDatasetVersion) {
  EXPECT_EQ(CacheKey::product(3, 40344), "atelier:v3:product:40344");
}

TEST(CacheKey, StylesAndRelatedKeys) {
  EXPECT_EQ(CacheKey::styles(12, 1), "atelier:v12:styles:1");
  EXPECT_EQ(CacheKey::related(12, 1000011), "atelier:v12:related:1000011");
}

TEST(CacheKey, ProductListKeyHasPageAndCount) {
  EXPECT_EQ(CacheKey::products(7, 2, 1000), "atelier:v7:products:2:1000");
}

TEST(CacheKey, DifferentVersionsNeverShareKeys) {
  EXPECT_NE(CacheKey::product(1, 5), CacheKey::product(2, 5));
  EXPECT_NE(CacheKey::product(1, 5), CacheKey::styles(1, 5));
  // "1:11" vs "11:1" must not collide.
  EXPECT_NE(CacheKey::products(1, 1, 11), CacheKey::products(1, 11, 1));
}

TEST(CacheKey, ExtremeIntegersFormatFully) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(CacheKey::product(max, max),
            "atelier:v9223372036854775807:product:9223372036854775807");
}

TEST(CacheKey, Patterns) {
  EXPECT_EQ(CacheKey::version_pattern(4), "atelier:v4:*");
  EXPECT_EQ(CacheKey::all_pattern(), "atelier:*");
}

}  // namespace
}  // namespace atelier::cache
