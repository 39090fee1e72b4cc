#include "cache/read_through.hpp"

#include "cache/local_cache.hpp"
#include "cache/redis_options.hpp"
#include "cache/single_flight.hpp"

namespace atelier::cache {

ReadThrough::ReadThrough(CacheOptions options, std::size_t local_capacity_bytes,
                         std::size_t page_capacity_bytes)
    : cache_(std::make_unique<Cache>(std::move(options))),
      local_(std::make_unique<LocalCache>(local_capacity_bytes)),
      pages_(std::make_unique<LocalCache>(page_capacity_bytes)),
      flight_(std::make_unique<SingleFlight>(cache_->counters())) {}

ReadThrough::~ReadThrough() = default;

std::string ReadThrough::read_label() const {
  const auto& read = cache_->options().read_redis;
  if (!read || cache_->read_state() == CacheState::disabled) return {};
  return endpoint_label(*read);
}

std::size_t ReadThrough::local_entries() const {
  return local_->entries();
}

std::size_t ReadThrough::local_bytes() const {
  return local_->bytes();
}

std::size_t ReadThrough::local_capacity() const {
  return local_->capacity();
}

std::vector<std::string> ReadThrough::recent_keys(std::size_t limit, bool used_only) const {
  return local_->recent_keys(limit, used_only);
}

std::size_t ReadThrough::preload(std::span<const std::string> keys) {
  auto entries = cache_->get_many(keys);
  std::size_t found = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i] || entries[i]->status != 200) continue;
    local_->put(keys[i], std::make_shared<const Entry>(std::move(*entries[i])), /*used=*/false);
    ++found;
  }
  return found;
}

std::optional<Entry> ReadThrough::get_shared(std::string_view key) {
  return cache_->get(key);
}

void ReadThrough::put_shared(std::string_view key, const Entry& entry,
                             std::chrono::milliseconds ttl) {
  cache_->put(key, entry, ttl);
}

std::size_t ReadThrough::page_entries() const {
  return pages_->entries();
}

std::size_t ReadThrough::page_bytes() const {
  return pages_->bytes();
}

std::shared_ptr<const Entry> ReadThrough::fetch(std::string_view key, bool look_up,
                                                const std::function<Loaded()>& load, Shelf shelf) {
  if (look_up) {
    if (auto found = find(key, shelf)) return found;
  }
  return std::make_shared<const Entry>(flight_->load_once(key, [&] {
    Loaded loaded = load();
    store(loaded, shelf);
    return std::move(loaded.entry);
  }));
}

std::shared_ptr<const Entry> ReadThrough::find(std::string_view key, Shelf shelf) {
  LocalCache& local_tier = shelf_of(shelf);
  if (auto local = local_tier.get(key)) {
    local_hits_.fetch_add(1, std::memory_order_relaxed);
    return local;
  }
  // Cache::get answers at once (and counts a skip) while Redis is backed off.
  if (auto hit = cache_->get(key)) {
    auto shared = std::make_shared<const Entry>(std::move(*hit));
    local_tier.put(key, shared);
    return shared;
  }
  return nullptr;
}

void ReadThrough::store(const Loaded& loaded, Shelf shelf) {
  // Only answers that describe the data are kept: 200s. Failures (503/500) never are, and 404s
  // are answered from the hosts' revision tables without a load.
  if (loaded.key.empty() || loaded.entry.status != 200) return;
  if (loaded.budget_key.empty()) {
    cache_->put(loaded.key, loaded.entry, loaded.ttl);
  } else {
    cache_->put_within_budget(loaded.key, loaded.entry, loaded.ttl, loaded.budget_key,
                              loaded.budget_bytes);
  }
  shelf_of(shelf).put(loaded.key, std::make_shared<const Entry>(loaded.entry));
}

void ReadThrough::forget(std::span<const std::string> keys) {
  for (const auto& key : keys) {
    local_->erase(key);
    pages_->erase(key);
  }
  cache_->remove(keys);
}

}  // namespace atelier::cache
