// The endpoints of CONTRACT §1-3 as plain code: RequestView in, Reply out. The Pistache handler
// (api_handler.*) is a thin shell around Service::handle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "catalog/read_endpoints.hpp"
#include "catalog/reader.hpp"
#include "catalog/version_watcher.hpp"
#include "config/config.hpp"
#include "http/http_metrics.hpp"
#include "http/reply.hpp"
#include "http/request_parsing.hpp"
#include "http/response_cache.hpp"

namespace atelier::http {

class Service {
 public:
  explicit Service(config::Config config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Never throws: every failure becomes a JSON error reply.
  Reply handle(const RequestView& request) noexcept;

  HttpMetrics& metrics() { return *metrics_; }
  const config::Config& config() const { return config_; }

 private:
  Reply dispatch(const RequestView& request);
  Reply product_list(const RequestView& request);
  Reply product_resource(RouteId route, const RequestView& request, std::string_view raw_id);
  Reply cart_get(const RequestView& request);
  Reply cart_post(const RequestView& request);
  Reply readyz();
  Reply metrics_text();

  // Loads one product resource from Postgres and serializes it (cache entry shape).
  CachedReply load_product_resource(RouteId route, std::int64_t id);
  CachedReply load_product_page(const PageRequest& page);
  Reply from_cached(CachedReply entry, const RequestView& request) const;
  Reply database_error(const catalog::Error& error, std::string_view what);

  // One reader per worker thread (libpqxx is not thread-safe), created on first use.
  catalog::CatalogReader& reader();
  // The cart's reader: always the primary (DATABASE_URL), so a shopper reads their own writes.
  // The same object as reader() when no replicas are configured.
  catalog::CatalogReader& cart_reader();
  std::string replicas_json() const;
  // One log line when the database or the cache changes state (down/up, backoff/up), not one per
  // failed request.
  void note_database(bool reachable);
  void note_cache_state();

  const config::Config config_;
  const std::string conninfo_;
  std::shared_ptr<catalog::ReadEndpoints> read_endpoints_;  // null: no replicas configured
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<catalog::DatasetVersionWatcher> version_;
  std::unique_ptr<ResponseCache> cache_;
  std::atomic<bool> database_down_{false};
  std::atomic<int> cache_state_seen_{-1};  // index into the state names; -1 = not logged yet
};

}  // namespace atelier::http
