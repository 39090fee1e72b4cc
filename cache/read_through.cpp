#include "cache/read_through.hpp"

namespace atelier::cache {

Entry read_through(Cache& cache, SingleFlight& flight, std::string_view key,
                   const std::function<Entry()>& loader, std::chrono::milliseconds ttl) {
  if (std::optional<Entry> hit = cache.get(key)) return std::move(*hit);
  return flight.load_once(key, [&]() -> Entry {
    Entry entry = loader();
    // Only the leader stores, so N concurrent misses cost one load and one SET.
    if (entry.status == 200 || entry.status == 404) cache.put(key, entry, ttl);
    return entry;
  });
}

}  // namespace atelier::cache
