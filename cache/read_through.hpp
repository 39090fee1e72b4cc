// The read path every cached endpoint uses: cache hit -> bytes; miss -> one load per key per
// process (SingleFlight) -> store -> bytes.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "cache/cache.hpp"
#include "cache/entry.hpp"
#include "cache/single_flight.hpp"

namespace atelier::cache {

// `loader` builds the entry from the database (status 200 with body + ETag, or 404 with the error
// body). Only 200 and 404 entries are stored (404s for CacheOptions::not_found_ttl); anything else
// is returned uncached. Exceptions from `loader` (database down) propagate to the caller and to
// every caller waiting on the same key; nothing is cached then.
Entry read_through(Cache& cache, SingleFlight& flight, std::string_view key,
                   const std::function<Entry()>& loader, std::chrono::milliseconds ttl);

}  // namespace atelier::cache
