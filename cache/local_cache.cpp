#include "cache/local_cache.hpp"

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

LocalCache::Shard& LocalCache::shard_for(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

std::shared_ptr<const Entry> LocalCache::get(std::string_view key) {
  if (capacity_ == 0) return nullptr;
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return nullptr;
  shard.order.splice(shard.order.begin(), shard.order, it->second.position);
  return it->second.entry;
}

void LocalCache::put(std::string_view key, std::shared_ptr<const Entry> entry) {
  if (capacity_ == 0 || !entry) return;
  const std::size_t cost = cost_of(key, *entry);
  if (cost > shard_capacity_) return;  // never let one huge page evict a whole shard
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.map.find(key); it != shard.map.end()) {
    shard.bytes -= it->second.cost;
    it->second.entry = std::move(entry);
    it->second.cost = cost;
    shard.bytes += cost;
    shard.order.splice(shard.order.begin(), shard.order, it->second.position);
  } else {
    shard.order.emplace_front(key);
    shard.map.emplace(std::string_view(shard.order.front()),
                      Shard::Slot{std::move(entry), shard.order.begin(), cost});
    shard.bytes += cost;
  }
  while (shard.bytes > shard_capacity_ && !shard.order.empty()) {
    auto victim = shard.map.find(std::string_view(shard.order.back()));
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

bool LocalCache::erase(std::string_view key) {
  if (capacity_ == 0) return false;
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
