// An in-process, size-bounded LRU of finished cache entries, consulted before Redis ("near
// cache"). Safe without any TTL because every key carries the revision of the content it was made
// from: an entry is evicted, or erased when its product changes, but never serves stale bytes. It
// removes the Redis round trip (and Redis's CPU) from hot keys, which on a 2-core box is most of
// the cost of a hit.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/entry.hpp"

namespace atelier::cache {

class LocalCache {
 public:
  // capacity_bytes = 0 disables it (get always misses, put does nothing).
  explicit LocalCache(std::size_t capacity_bytes, std::size_t shards = 16);
  LocalCache(const LocalCache&) = delete;
  LocalCache& operator=(const LocalCache&) = delete;

  std::shared_ptr<const Entry> get(std::string_view key);
  // `used` = false for an entry put ahead of any request for it (HotSet's prefill): it counts as
  // used from its first get() on. A put over an entry keeps it used if it was.
  void put(std::string_view key, std::shared_ptr<const Entry> entry, bool used = true);
  // Drops one entry (a product changed: its old revision's keys); false when it was not there.
  bool erase(std::string_view key);

  // Up to `limit` keys, the most recently used of each shard first (an even share per shard);
  // with `used_only`, only entries that a get() or a used put() touched.
  std::vector<std::string> recent_keys(std::size_t limit, bool used_only = false) const;

  bool enabled() const { return capacity_ > 0; }
  std::size_t capacity() const { return capacity_; }
  std::size_t bytes() const;
  std::size_t entries() const;

 private:
  // A key with its hash, computed once per call: it picks the shard and is the map's hash code.
  struct Key {
    std::string_view text;
    std::size_t hash;
    friend bool operator==(const Key& a, const Key& b) {
      return a.hash == b.hash && a.text == b.text;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept { return key.hash; }
  };
  struct Shard {
    using Order = std::list<std::string>;  // most recent first
    struct Slot {
      std::shared_ptr<const Entry> entry;
      Order::iterator position;
      std::size_t cost = 0;
      std::uint64_t promoted = 0;  // `tick` when it was last moved to the front
      bool used = true;            // false: preloaded and never asked for since
    };
    mutable std::mutex mutex;
    Order order;
    std::unordered_map<Key, Slot, KeyHash> map;  // texts view into `order`'s strings
    std::size_t bytes = 0;
    std::uint64_t tick = 0;  // promotions so far
  };

  static Key key_of(std::string_view text);
  // Moves the slot to the front unless it got there within the last eighth of the shard's
  // promotions: it is then still among the most recent entries, far from eviction, and a hot key
  // skips the list update (three nodes' cache lines) on most hits. Small shards stay exact LRU.
  static void promote(Shard& shard, Shard::Slot& slot);
  Shard& shard_for(const Key& key);
  static std::size_t cost_of(std::string_view key, const Entry& entry);

  const std::size_t capacity_;
  const std::size_t shard_capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace atelier::cache
