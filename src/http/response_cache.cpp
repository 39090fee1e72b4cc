#include "http/response_cache.hpp"

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
#include "cache/local_cache.hpp"
#include "cache/single_flight.hpp"
#include "http/http_metrics.hpp"
#include "http/log.hpp"

namespace atelier::http {

std::string cache_key(CacheSlot slot, std::int64_t version, std::int64_t a, std::int64_t b) {
  switch (slot) {
    case CacheSlot::product:
      return cache::CacheKey::product(version, a);
    case CacheSlot::styles:
      return cache::CacheKey::styles(version, a);
    case CacheSlot::related:
      return cache::CacheKey::related(version, a);
    case CacheSlot::products:
      return cache::CacheKey::products(version, a, b);
  }
  return {};
}

namespace {

cache::CacheOptions cache_options(const config::Config& config, HttpMetrics& metrics) {
  cache::CacheOptions options;
  if (!config.redis_url.empty()) {
    options.redis = cache::parse_redis_url(config.redis_url);
    if (!options.redis) {
      log_event("error", "redis_url_invalid",
                {{"hint", "cache disabled; expected redis://[:password@]host:port[/db]"}});
    } else {
      options.redis->connect_timeout = config.redis_connect_timeout;
      options.redis->command_timeout = config.redis_command_timeout;
    }
  }
  options.ttl_jitter = config.cache_ttl_jitter_percent / 100.0;
  options.not_found_ttl = config.cache_not_found_ttl;
  options.observe_latency = [&metrics](double seconds) { metrics.observe_redis(seconds); };
  return options;
}

}  // namespace

ResponseCache::ResponseCache(const config::Config& config, HttpMetrics& metrics)
    : local_(std::make_unique<cache::LocalCache>(config.local_cache_mb * 1024 * 1024)),
      cache_(std::make_unique<cache::Cache>(cache_options(config, metrics))),
      flight_(std::make_unique<cache::SingleFlight>(cache_->counters())),
      ttl_(config.cache_ttl) {
  metrics.attach_cache_counters(&cache_->counters());
}

ResponseCache::~ResponseCache() = default;

std::string_view ResponseCache::state() const {
  return cache::to_string(cache_->state());
}

std::size_t ResponseCache::local_entries() const {
  return local_->entries();
}

std::size_t ResponseCache::local_bytes() const {
  return local_->bytes();
}

CachedReply ResponseCache::fetch(CacheSlot slot, std::int64_t version, std::int64_t a,
                                 std::int64_t b, const std::function<CachedReply()>& load) {
  const std::string key = cache_key(slot, version, a, b);
  if (version > 0) {
    if (auto local = local_->get(key)) {
      local_hits_.fetch_add(1, std::memory_order_relaxed);
      return CachedReply{local->status, local->etag, local->body, version};
    }
    // Cache::get answers at once (and counts a skip) while Redis is backed off.
    if (auto hit = cache_->get(key)) {
      auto shared = std::make_shared<const cache::Entry>(std::move(*hit));
      local_->put(key, shared);
      return CachedReply{shared->status, shared->etag, shared->body, version};
    }
  }
  std::int64_t loaded_version = 0;
  cache::Entry entry = flight_->load_once(key, [&] {
    CachedReply fresh = load();
    loaded_version = fresh.version;
    cache::Entry e{fresh.status, std::move(fresh.etag), std::move(fresh.body)};
    // Only answers that describe the data are stored: 200s, and 404s (briefly in Redis) so a scan
    // of bad ids cannot hammer Postgres. Failures (503/500) never are.
    if ((e.status == 200 || e.status == 404) && fresh.version > 0) {
      const std::string store_key = cache_key(slot, fresh.version, a, b);
      cache_->put(store_key, e, ttl_);
      // 404s stay out of the in-process tier: it has no expiry, and the Redis TTL already bounds
      // how long a bad id is remembered.
      if (e.status == 200) local_->put(store_key, std::make_shared<const cache::Entry>(e));
    }
    return e;
  });
  return CachedReply{entry.status, std::move(entry.etag), std::move(entry.body), loaded_version};
}

}  // namespace atelier::http
