#include "cache/local_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace atelier::cache {
namespace {

std::shared_ptr<const Entry> entry(std::string body) {
  return std::make_shared<const Entry>(Entry{200, "\"e\"", std::move(body)});
}

TEST(LocalCache, StoresAndReturnsTheSameEntry) {
  LocalCache cache(1 << 20);
  cache.put("k", entry("abc"));
  auto hit = cache.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "abc");
  EXPECT_FALSE(cache.get("other"));
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(LocalCache, DisabledWithZeroCapacity) {
  LocalCache cache(0);
  EXPECT_FALSE(cache.enabled());
  cache.put("k", entry("abc"));
  EXPECT_FALSE(cache.get("k"));
}

TEST(LocalCache, EvictsLeastRecentlyUsedWithinTheByteBudget) {
  LocalCache cache(4000, 1);  // one shard so the order is observable
  const std::string body(900, 'x');
  cache.put("a", entry(body));
  cache.put("b", entry(body));
  cache.put("c", entry(body));
  ASSERT_TRUE(cache.get("a"));  // a is now the most recent
  cache.put("d", entry(body));  // over budget: b (least recent) goes
  EXPECT_TRUE(cache.get("a"));
  EXPECT_FALSE(cache.get("b"));
  EXPECT_TRUE(cache.get("d"));
  EXPECT_LE(cache.bytes(), 4000u);
}

TEST(LocalCache, AKeyReadBetweenEveryInsertIsNeverEvicted) {
  // A large shard skips moving an entry that was moved to the front recently; a key read all the
  // time must still never reach the back of the order while new keys push others out.
  LocalCache cache(64 * 1024, 1);
  cache.put("hot", entry(std::string(200, 'h')));
  for (int i = 0; i < 5000; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    cache.put(key, entry(std::string(200, 'z')));
    ASSERT_TRUE(cache.get("hot")) << "evicted after " << i << " inserts";
  }
  EXPECT_GT(cache.entries(), 100u);  // the shard was full: others were evicted
  EXPECT_LT(cache.entries(), 5001u);
  EXPECT_LE(cache.bytes(), 64u * 1024u);
}

TEST(LocalCache, EvictsTheOldestEntriesOfALargeShardFirst) {
  // Promotions are skipped only for recently promoted entries: what was never read again leaves
  // in insertion order, and what was read (once, long after its insert) outlives it.
  LocalCache cache(64 * 1024, 1);  // about 170 entries of this size
  const std::string body(200, 'z');
  auto key = [](int i) {
    std::string k = "k";
    k += std::to_string(i);
    return k;
  };
  for (int i = 0; i < 100; ++i) cache.put(key(i), entry(body));
  ASSERT_TRUE(cache.get(key(0)));  // promoted long ago (at its insert): moved to the front
  for (int i = 100; i < 200; ++i) cache.put(key(i), entry(body));
  ASSERT_LT(cache.entries(), 200u);  // some were evicted
  EXPECT_TRUE(cache.get(key(0)));
  EXPECT_FALSE(cache.get(key(1)));
  EXPECT_TRUE(cache.get(key(199)));
}

TEST(LocalCache, ReplacingAKeyKeepsOneEntryAndUpdatesBytes) {
  LocalCache cache(1 << 20, 1);
  cache.put("k", entry(std::string(100, 'x')));
  const auto before = cache.bytes();
  cache.put("k", entry(std::string(300, 'y')));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), before + 200);
  EXPECT_EQ(cache.get("k")->body, std::string(300, 'y'));
}

TEST(LocalCache, EntryLargerThanAShardIsNotStored) {
  LocalCache cache(1000, 1);
  cache.put("big", entry(std::string(5000, 'x')));
  EXPECT_FALSE(cache.get("big"));
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(LocalCache, ConcurrentUseKeepsTheBudget) {
  LocalCache cache(64 * 1024, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        std::string key = "k";  // += avoids GCC 12's false -Wrestrict on "k" + std::string
        key += std::to_string((i * 7 + t) % 700);
        if (!cache.get(key)) cache.put(key, entry(std::string(200, 'z')));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(cache.bytes(), 64u * 1024u);
  EXPECT_GT(cache.entries(), 0u);
}

}  // namespace
}  // namespace atelier::cache
