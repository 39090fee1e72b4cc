#include "cache/cache_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace atelier::cache {
namespace {

TEST(CacheKey, ProductBodyKeysCarryTheRevisionInHex) {
  EXPECT_EQ(CacheKey::product(40344, 0x1234), "atelier:product:40344:0000000000001234");
  EXPECT_EQ(CacheKey::styles(1, 0xfedcba9876543210ull), "atelier:styles:1:fedcba9876543210");
  EXPECT_EQ(CacheKey::related(1000011, 1), "atelier:related:1000011:0000000000000001");
  EXPECT_EQ(CacheKey::body(ProductBody::styles, 5, 9), CacheKey::styles(5, 9));
}

TEST(CacheKey, ProductListKeyHasListRevisionPageAndCount) {
  EXPECT_EQ(CacheKey::products(7, 2, 1000), "atelier:products:7:2:1000");
}

TEST(CacheKey, DifferentRevisionsOrBodiesNeverShareKeys) {
  EXPECT_NE(CacheKey::product(5, 1), CacheKey::product(5, 2));
  EXPECT_NE(CacheKey::product(5, 1), CacheKey::styles(5, 1));
  // "1:11" vs "11:1" must not collide.
  EXPECT_NE(CacheKey::products(1, 1, 11), CacheKey::products(1, 11, 1));
  EXPECT_NE(CacheKey::pending(ProductBody::detail, 5), CacheKey::pending(ProductBody::styles, 5));
}

TEST(CacheKey, ExtremeIntegersFormatFully) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(CacheKey::product(max, std::numeric_limits<std::uint64_t>::max()),
            "atelier:product:9223372036854775807:ffffffffffffffff");
}

TEST(CacheKey, Patterns) {
  EXPECT_EQ(CacheKey::body_pattern(ProductBody::related, 4), "atelier:related:4:*");
  EXPECT_EQ(CacheKey::all_pattern(), "atelier:*");
}

}  // namespace
}  // namespace atelier::cache
