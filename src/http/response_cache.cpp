#include "http/response_cache.hpp"

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
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
      log_event("error", "redis_url_invalid", {{"hint", "cache disabled; expected redis://[:password@]host:port[/db]"}});
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
    : cache_(std::make_unique<cache::Cache>(cache_options(config, metrics))),
      flight_(std::make_unique<cache::SingleFlight>(cache_->counters())),
      ttl_(config.cache_ttl) {
  metrics.attach_cache_counters(&cache_->counters());
}

ResponseCache::~ResponseCache() = default;

std::string_view ResponseCache::state() const { return cache::to_string(cache_->state()); }

CachedReply ResponseCache::fetch(CacheSlot slot, std::int64_t version, std::int64_t a,
                                 std::int64_t b, const std::function<CachedReply()>& load) {
  const bool usable = version > 0 && cache_->state() == cache::CacheState::up;
  const std::string key = cache_key(slot, version, a, b);
  if (usable) {
    if (auto hit = cache_->get(key)) {
      return CachedReply{hit->status, std::move(hit->etag), std::move(hit->body), version};
    }
  }
  std::int64_t loaded_version = 0;
  cache::Entry entry = flight_->load_once(key, [&] {
    CachedReply fresh = load();
    loaded_version = fresh.version;
    cache::Entry e{fresh.status, std::move(fresh.etag), std::move(fresh.body)};
    // Only answers that describe the data are stored: 200s, and 404s (briefly) so a scan of bad
    // ids cannot hammer Postgres. Failures (503/500) never are.
    const bool storable = (e.status == 200 || e.status == 404) && fresh.version > 0;
    if (storable && cache_->state() == cache::CacheState::up) {
      cache_->put(cache_key(slot, fresh.version, a, b), e, ttl_);
    }
    return e;
  });
  return CachedReply{entry.status, std::move(entry.etag), std::move(entry.body), loaded_version};
}

}  // namespace atelier::http
