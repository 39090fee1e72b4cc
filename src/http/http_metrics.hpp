// The host's Prometheus metrics: requests by route and status, latency per route, database and
// cache figures. Fixed label sets (routes x status codes) are preallocated, so the hot path is a
// few relaxed atomic adds with no lock and no map lookup.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/request_parsing.hpp"
#include "json/serialize.hpp"
#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace atelier::cache {
struct CacheCounters;
}

namespace atelier::http {

class HttpMetrics {
 public:
  HttpMetrics();

  void observe_request(RouteId route, int status, double seconds) noexcept;
  void observe_db(double seconds, bool failed) noexcept;
  void observe_db_error() noexcept { db_errors_.inc(); }
  void observe_redis(double seconds) noexcept { redis_latency_.observe(seconds); }
  // The cache's own counters are read at render time.
  void attach_cache_counters(const cache::CacheCounters* counters) { cache_counters_ = counters; }

  struct LocalCacheStats {
    std::uint64_t hits = 0;
    std::size_t entries = 0;
    std::size_t bytes = 0;
    std::size_t page_entries = 0;  // list pages, on a shelf of their own (cache::Shelf::pages)
    std::size_t page_bytes = 0;
  };
  // The host's view of catalog changes (catalog/change_feed.hpp).
  struct ChangeFeedStats {
    std::int64_t last_publish = 0;
    std::uint64_t publishes_applied = 0;
    std::uint64_t full_reloads = 0;
    std::size_t products = 0;
    bool listening = false;
  };
  std::string render(std::string_view cache_state, std::int64_t dataset_version,
                     const LocalCacheStats& local, const ChangeFeedStats& feed,
                     // As /readyz shows them: the PostgreSQL read endpoints
                     // (ATELIER_READ_DATABASE_URLS) and the Redis node reads go to first
                     // (ATELIER_REDIS_READ_URL); empty: none configured.
                     std::span<const json::ReadEndpointState> read_endpoints = {},
                     const json::CacheReadState& cache_read = {}) const;

 private:
  static void append_read_endpoints(std::string& out,
                                    std::span<const json::ReadEndpointState> endpoints);
  static void append_cache_read(std::string& out, const json::CacheReadState& read,
                                const cache::CacheCounters& counters);

  static constexpr std::size_t kRoutes = static_cast<std::size_t>(RouteId::metrics) + 1;
  static constexpr std::size_t kStatuses = 600;

  std::array<std::array<metrics::Counter, kStatuses>, kRoutes> requests_;
  std::array<std::unique_ptr<metrics::Histogram>, kRoutes> latency_;
  metrics::Histogram db_latency_;
  metrics::Counter db_errors_;
  metrics::Histogram redis_latency_;
  const cache::CacheCounters* cache_counters_ = nullptr;
};

}  // namespace atelier::http
