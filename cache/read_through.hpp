// The read path every cached endpoint uses (after Drogon's redis_cache example: get, and put on a
// miss), two tiers in front of a loader:
//   1. an in-process, size-bounded LRU (LocalCache): bytes + ETag, no I/O at all;
//   2. Redis (Cache), one blocking connection per worker thread, stepping aside while Redis fails;
//   3. the loader (PostgreSQL), run once per key per process however many requests miss together
//      (SingleFlight). Its answer is stored in both tiers under the key the LOADER names: the
//      revision its rows came from, which is not always the one the caller looked up (a product
//      that changed between the two), so bytes are never filed under a revision they do not have.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.hpp"
#include "cache/entry.hpp"

namespace atelier::cache {

class LocalCache;
class SingleFlight;

// What a loader returns: the answer, and where (and for how long) to keep it.
struct Loaded {
  Entry entry;
  std::string key;  // empty: not stored (failures, 404s, an answer with nothing to key it by)
  std::chrono::milliseconds ttl = kKeepForever;
  // Non-empty: stored in Redis only within this budget (Cache::put_within_budget).
  std::string budget_key = {};
  std::size_t budget_bytes = 0;
};

// Which in-process LRU an entry lives in: product bodies, or list pages with a budget of their own
// (so that a walk over page numbers never evicts a body).
enum class Shelf { bodies, pages };

class ReadThrough {
 public:
  // local_capacity_bytes = 0 turns the in-process tier off (page_capacity_bytes: for pages).
  ReadThrough(CacheOptions options, std::size_t local_capacity_bytes,
              std::size_t page_capacity_bytes = 0);
  ~ReadThrough();
  ReadThrough(const ReadThrough&) = delete;
  ReadThrough& operator=(const ReadThrough&) = delete;

  // The entry under `key`: from the in-process tier, else Redis, else `load` (whose answer is
  // stored as it says). look_up = false skips both tiers (nothing can be cached under `key` yet)
  // but still collapses concurrent loads of it. Exceptions from `load` reach every caller waiting
  // on the same key; nothing is stored then.
  // The entry is shared with the in-process tier (never copied on a hit); it is never null.
  std::shared_ptr<const Entry> fetch(std::string_view key, bool look_up,
                                     const std::function<Loaded()>& load,
                                     Shelf shelf = Shelf::bodies);

  // The entry under `key` from the in-process tier, else Redis; null when neither has it. Never
  // loads: the request threads look up with it and hand a miss to the database workers.
  std::shared_ptr<const Entry> find(std::string_view key, Shelf shelf = Shelf::bodies);

  // Drops the keys from both tiers (entries of revisions that are no longer current).
  void forget(std::span<const std::string> keys);
  // Stores entries in both tiers (the warm-up tool stores in Redis only: Cache::put_many).
  void store(const Loaded& loaded, Shelf shelf = Shelf::bodies);

  // The most recently used keys of the product-body tier (HotSet shares them with the fleet);
  // with `used_only`, not the ones preloaded and never asked for since.
  std::vector<std::string> recent_keys(std::size_t limit, bool used_only = false) const;
  // Reads `keys` from Redis (one MGET) into the product-body tier; returns how many it found.
  // Off the request path (HotSet's prefill): neither hits nor misses are counted.
  std::size_t preload(std::span<const std::string> keys);
  std::size_t local_capacity() const;
  // A value kept in Redis only, outside both tiers (HotSet's list), read and written as is.
  std::optional<Entry> get_shared(std::string_view key);
  void put_shared(std::string_view key, const Entry& entry, std::chrono::milliseconds ttl);

  // The Redis tier's state, its read endpoint's, its counters (for /readyz and /metrics).
  CacheState state() const { return cache_->state(); }
  CacheState read_state() const { return cache_->read_state(); }
  CacheCounters& counters() { return cache_->counters(); }
  // "host:port" or "sentinel:<master>" of the read endpoint in use; empty without one.
  std::string read_label() const;
  // The Redis tier itself, for tests that drive both tiers' shared state.
  Cache& cache() { return *cache_; }
  std::uint64_t local_hits() const { return local_hits_.load(std::memory_order_relaxed); }
  std::size_t local_entries() const;
  std::size_t local_bytes() const;
  std::size_t page_entries() const;
  std::size_t page_bytes() const;

 private:
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<LocalCache> local_;
  std::unique_ptr<LocalCache> pages_;
  LocalCache& shelf_of(Shelf shelf) { return shelf == Shelf::pages ? *pages_ : *local_; }
  std::unique_ptr<SingleFlight> flight_;
  std::atomic<std::uint64_t> local_hits_{0};
};

}  // namespace atelier::cache
