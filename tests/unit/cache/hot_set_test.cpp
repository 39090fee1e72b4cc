// The hot set's pure parts: the list's wire form, which keys name products, and the in-process
// tier's most recently used keys it is made from.
#include "cache/hot_set.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cache/cache_key.hpp"
#include "cache/local_cache.hpp"

namespace atelier::cache {
namespace {

TEST(HotSet, ListRoundTripsInOrder) {
  const std::vector<std::int64_t> ids = {900123, 1, 1000011, 42};
  EXPECT_EQ(encode_hot_products(ids), "900123\n1\n1000011\n42\n");
  EXPECT_EQ(decode_hot_products(encode_hot_products(ids), 100), ids);
}

TEST(HotSet, DecodeSkipsWhatIsNotAProductAndStopsAtTheLimit) {
  EXPECT_EQ(decode_hot_products("7\nx\n-3\n0\n\n12a\n8", 100), (std::vector<std::int64_t>{7, 8}));
  EXPECT_EQ(decode_hot_products("1\n2\n3\n4\n", 2), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(decode_hot_products("", 10).empty());
}

TEST(HotSet, BodyKeysNameTheirProduct) {
  for (ProductBody body : kProductBodies) {
    EXPECT_EQ(CacheKey::body_product(CacheKey::body(body, 900010, 0xabcdef)), 900010);
  }
  EXPECT_FALSE(CacheKey::body_product(CacheKey::products(3, 1, 5)));
  EXPECT_FALSE(CacheKey::body_product(CacheKey::pending(ProductBody::styles, 4)));
  EXPECT_FALSE(CacheKey::body_product(CacheKey::hot_products()));
  EXPECT_FALSE(CacheKey::body_product("atelier:product:12:abc"));  // revision cut short
  EXPECT_FALSE(CacheKey::body_product("atelier:product:0:0000000000000001"));
  EXPECT_FALSE(CacheKey::body_product("other:product:12:0000000000000001"));
}

TEST(HotSet, ProductsOfKeysKeepsFirstAppearanceOnce) {
  const std::vector<std::string> keys = {CacheKey::styles(5, 1), CacheKey::product(9, 2),
                                         CacheKey::related(5, 1), CacheKey::products(1, 1, 5),
                                         CacheKey::product(5, 1)};
  EXPECT_EQ(products_of_keys(keys), (std::vector<std::int64_t>{5, 9}));
}

TEST(HotSet, BodyKeysNameTheirBody) {
  for (ProductBody body : kProductBodies) {
    EXPECT_EQ(CacheKey::body_of(CacheKey::body(body, 77, 5)), (BodyRef{body, 77}));
    EXPECT_EQ(CacheKey::body_named(CacheKey::body_name(body)), body);
  }
  EXPECT_FALSE(CacheKey::body_of(CacheKey::products(3, 1, 5)));
  EXPECT_FALSE(CacheKey::body_named("products"));
}

TEST(HotSet, OwnListRoundTripsInOrder) {
  const std::vector<BodyRef> bodies = {
      {ProductBody::styles, 42}, {ProductBody::detail, 900010}, {ProductBody::related, 42}};
  EXPECT_EQ(encode_hot_bodies(bodies), "styles:42\nproduct:900010\nrelated:42\n");
  EXPECT_EQ(decode_hot_bodies(encode_hot_bodies(bodies), 100), bodies);
  EXPECT_EQ(decode_hot_bodies(encode_hot_bodies(bodies), 2).size(), 2u);
}

TEST(HotSet, OwnListDecodeSkipsWhatIsNotABody) {
  EXPECT_EQ(decode_hot_bodies("42\nstyles:\nstyle:4\nrelated:-3\nproduct:0\nproduct:7x\n"
                              ":5\nrelated:9",
                              100),
            (std::vector<BodyRef>{{ProductBody::related, 9}}));
  EXPECT_TRUE(decode_hot_bodies("", 10).empty());
}

TEST(HotSet, BodiesOfKeysKeepsEachBodyOnceWhateverItsRevision) {
  const std::vector<std::string> keys = {CacheKey::styles(5, 1), CacheKey::product(9, 2),
                                         CacheKey::products(1, 1, 5), CacheKey::styles(5, 2),
                                         CacheKey::product(5, 1)};
  EXPECT_EQ(bodies_of_keys(keys),
            (std::vector<BodyRef>{
                {ProductBody::styles, 5}, {ProductBody::detail, 9}, {ProductBody::detail, 5}}));
}

TEST(HotSet, DefaultListKeyIsTheServicesKey) {
  EXPECT_EQ(HotSetOptions{}.list_key, CacheKey::hot_products());
  EXPECT_TRUE(CacheKey::hot_products().starts_with("atelier:"));  // inside the hosts' ACL
  EXPECT_TRUE(HotSetOptions{}.own_list_key.empty());              // no name, no own list
  EXPECT_EQ(CacheKey::hot_bodies("host2"), "atelier:hot-bodies:host2");
}

TEST(LocalCache, RecentKeysAreTheMostRecentlyUsed) {
  LocalCache tier(1 << 20, 1);  // one shard: exact order
  auto entry = std::make_shared<const Entry>(Entry{200, "\"e\"", "{}"});
  for (int i = 1; i <= 5; ++i) tier.put(CacheKey::product(i, 1), entry);
  ASSERT_TRUE(tier.get(CacheKey::product(2, 1)));  // used again: the most recent
  const auto keys = tier.recent_keys(3);
  EXPECT_EQ(keys, (std::vector<std::string>{CacheKey::product(2, 1), CacheKey::product(5, 1),
                                            CacheKey::product(4, 1)}));
  EXPECT_EQ(tier.recent_keys(100).size(), 5u);
  EXPECT_TRUE(tier.recent_keys(0).empty());
}

TEST(LocalCache, PreloadedEntriesCountAsUsedOnlyOnceAskedFor) {
  LocalCache tier(1 << 20, 1);
  auto entry = std::make_shared<const Entry>(Entry{200, "\"e\"", "{}"});
  tier.put(CacheKey::product(1, 1), entry);                 // a request's miss: used
  tier.put(CacheKey::styles(2, 1), entry, /*used=*/false);  // a prefill's
  tier.put(CacheKey::related(3, 1), entry, /*used=*/false);
  EXPECT_EQ(tier.recent_keys(10).size(), 3u);
  EXPECT_EQ(tier.recent_keys(10, true), (std::vector<std::string>{CacheKey::product(1, 1)}));
  ASSERT_TRUE(tier.get(CacheKey::related(3, 1)));
  tier.put(CacheKey::product(1, 1), entry, /*used=*/false);  // stored again: still used
  EXPECT_EQ(tier.recent_keys(10, true),
            (std::vector<std::string>{CacheKey::product(1, 1), CacheKey::related(3, 1)}));
  EXPECT_EQ(tier.recent_keys(1, true).size(), 1u);
}

TEST(LocalCache, RecentKeysTakesFromEveryShard) {
  LocalCache tier(16 << 20, 16);
  auto entry = std::make_shared<const Entry>(Entry{200, "\"e\"", "{}"});
  for (int i = 1; i <= 1000; ++i) tier.put(CacheKey::product(i, 1), entry);
  const auto keys = tier.recent_keys(160);
  EXPECT_EQ(keys.size(), 160u);
  EXPECT_EQ(products_of_keys(keys).size(), 160u);  // no repeats
}

}  // namespace
}  // namespace atelier::cache
