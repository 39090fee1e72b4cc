// The read-through cache as the endpoints see it: fetch(slot, version, id, load). Two tiers: a
// bounded in-process LRU (cache::LocalCache), then Redis. A hit returns the stored bytes and ETag
// untouched; a miss runs `load` once per key in this process (single flight) and stores the result
// in both tiers under the dataset version the rows came from — not the version the host believed
// was current — so a reload can never file old bytes under a new version.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace atelier::cache {
class Cache;
class LocalCache;
class SingleFlight;
}  // namespace atelier::cache

namespace atelier::http {

class HttpMetrics;

struct CachedReply {
  int status = 200;
  std::string etag;
  std::string body;
  std::int64_t version = 0;  // dataset version the body was built from (0 = none)
};

enum class CacheSlot { product, styles, related, products };

class ResponseCache {
 public:
  ResponseCache(const config::Config& config, HttpMetrics& metrics);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // a = product id (or page), b = count for the product list (else 0). version = the host's
  // current dataset version (0 = unknown: the cache is bypassed, single flight still applies).
  CachedReply fetch(CacheSlot slot, std::int64_t version, std::int64_t a, std::int64_t b,
                    const std::function<CachedReply()>& load);

  std::string_view state() const;
  // In-process tier: hits, entries and bytes for /metrics.
  std::uint64_t local_hits() const { return local_hits_.load(std::memory_order_relaxed); }
  std::size_t local_entries() const;
  std::size_t local_bytes() const;

 private:
  std::unique_ptr<cache::LocalCache> local_;
  std::atomic<std::uint64_t> local_hits_{0};
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<cache::SingleFlight> flight_;
  std::chrono::milliseconds ttl_;
};

std::string cache_key(CacheSlot slot, std::int64_t version, std::int64_t a, std::int64_t b);

}  // namespace atelier::http
