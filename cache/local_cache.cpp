#include "cache/local_cache.hpp"

#include <algorithm>
#include <functional>

namespace atelier::cache {

LocalCache::LocalCache(std::size_t capacity_bytes, std::size_t shards)
    : capacity_(capacity_bytes),
      shard_capacity_(shards == 0 ? capacity_bytes : capacity_bytes / shards) {
  const std::size_t n = shards == 0 ? 1 : shards;
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::size_t LocalCache::cost_of(std::string_view key, const Entry& entry) {
  // Payload plus a rough per-entry overhead (list node, map node, control block).
  return key.size() * 2 + entry.body.size() + entry.etag.size() + 160;
}

LocalCache::Key LocalCache::key_of(std::string_view text) {
  return Key{text, std::hash<std::string_view>{}(text)};
}

static_assert(sizeof(std::size_t) == 8, "shard_for takes the high half of a 64-bit hash");

LocalCache::Shard& LocalCache::shard_for(const Key& key) {
  // The high half picks the shard, so that keys within a shard still spread over all of the
  // map's buckets (which take the hash modulo their count).
  return *shards_[(key.hash >> 32) % shards_.size()];
}

void LocalCache::promote(Shard& shard, Shard::Slot& slot) {
  ++shard.tick;
  if (shard.tick - slot.promoted <= shard.map.size() / 8) return;
  slot.promoted = shard.tick;
  shard.order.splice(shard.order.begin(), shard.order, slot.position);
}

std::shared_ptr<const Entry> LocalCache::get(std::string_view text) {
  if (capacity_ == 0) return nullptr;
  const Key key = key_of(text);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return nullptr;
  promote(shard, it->second);
  it->second.used = true;
  return it->second.entry;
}

void LocalCache::put(std::string_view text, std::shared_ptr<const Entry> entry, bool used) {
  if (capacity_ == 0 || !entry) return;
  const std::size_t cost = cost_of(text, *entry);
  if (cost > shard_capacity_) return;  // never let one huge page evict a whole shard
  const Key key = key_of(text);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.map.find(key); it != shard.map.end()) {
    shard.bytes -= it->second.cost;
    it->second.entry = std::move(entry);
    it->second.cost = cost;
    it->second.used = it->second.used || used;
    shard.bytes += cost;
    promote(shard, it->second);
  } else {
    shard.order.emplace_front(text);
    shard.map.emplace(Key{shard.order.front(), key.hash},
                      Shard::Slot{std::move(entry), shard.order.begin(), cost, ++shard.tick, used});
    shard.bytes += cost;
  }
  while (shard.bytes > shard_capacity_ && !shard.order.empty()) {
    auto victim = shard.map.find(key_of(shard.order.back()));
    shard.bytes -= victim->second.cost;
    shard.map.erase(victim);
    shard.order.pop_back();
  }
}

std::size_t LocalCache::bytes() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    total += s->bytes;
  }
  return total;
}

std::size_t LocalCache::entries() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    total += s->map.size();
  }
  return total;
}

std::vector<std::string> LocalCache::recent_keys(std::size_t limit, bool used_only) const {
  std::vector<std::string> keys;
  if (limit == 0) return keys;
  const std::size_t per_shard = (limit + shards_.size() - 1) / shards_.size();
  keys.reserve(std::min(limit, per_shard * shards_.size()));
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    std::size_t taken = 0;
    for (auto it = s->order.begin(); it != s->order.end() && taken < per_shard; ++it) {
      if (used_only && !s->map.find(key_of(*it))->second.used) continue;
      keys.push_back(*it);
      ++taken;
    }
  }
  if (keys.size() > limit) keys.resize(limit);
  return keys;
}

bool LocalCache::erase(std::string_view text) {
  if (capacity_ == 0) return false;
  const Key key = key_of(text);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.map.find(key);
  if (it == shard.map.end()) return false;
  shard.bytes -= it->second.cost;
  const auto position = it->second.position;
  shard.map.erase(it);  // before the string its key views goes
  shard.order.erase(position);
  return true;
}

}  // namespace atelier::cache
