// Collapses concurrent cache misses for the same key inside one process into one load: when a hot
// key expires, the database sees one query, not one per waiting request ("thundering herd").
#pragma once

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache/cache.hpp"
#include "cache/entry.hpp"

namespace atelier::cache {

class SingleFlight {
 public:
  // Every call that waits for another caller's load adds one to counters.single_flight_waits.
  explicit SingleFlight(CacheCounters& counters) : counters_(counters) {}
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // The first caller for `key` runs `loader`; callers arriving while it runs wait and get a copy
  // of the same result, or the same exception rethrown. The slot is removed when the load ends,
  // so a later call loads again (freshness is the cache's job, not this one's).
  Entry load_once(std::string_view key, const std::function<Entry()>& loader);

  // Loads currently in flight (for tests and debugging).
  std::size_t in_flight() const;

 private:
  struct KeyHash {
    using is_transparent = void;  // find() by string_view without building a std::string
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };

  CacheCounters& counters_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_future<Entry>, KeyHash, std::equal_to<>> flights_;
};

}  // namespace atelier::cache
