// The endpoints of CONTRACT §1-3 as plain code: RequestView in, Reply out. The Pistache handler
// (api_handler.*) is a thin shell around Service::handle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"
#include "catalog/change_feed.hpp"
#include "catalog/read_endpoints.hpp"
#include "catalog/reader.hpp"
#include "config/config.hpp"
#include "http/http_metrics.hpp"
#include "http/reply.hpp"
#include "http/request_parsing.hpp"
#include "json/serialize.hpp"

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
  Reply dispatch(const RouteMatch& match, const RequestView& request);
  Reply product_list(const RequestView& request);
  Reply product_resource(RouteId route, const RequestView& request, std::string_view raw_id);
  Reply cart_get(const RequestView& request);
  Reply cart_post(const RequestView& request);
  Reply readyz();
  Reply metrics_text();

  // Loads one product body from Postgres and serializes it, keyed by the revision its rows came
  // from (`loaded_revision` gets it; 0 when nothing was loaded).
  cache::Loaded load_product_body(cache::ProductBody body, std::int64_t id,
                                  std::uint64_t& loaded_revision);
  cache::Loaded load_product_page(const PageRequest& page, std::int64_t list_revision);
  Reply from_cached(std::shared_ptr<const cache::Entry> entry, const RequestView& request) const;
  // The feed moved products to new revisions: their old revisions' entries go from both tiers.
  void forget_revisions(std::span<const catalog::RevisionChange> changes);
  Reply database_error(const catalog::Error& error, std::string_view what);

  // One reader per worker thread (libpqxx is not thread-safe), created on first use.
  catalog::CatalogReader& reader();
  // The cart's reader: always the primary (DATABASE_URL), so a shopper reads their own writes.
  // The same object as reader() when no replicas are configured.
  catalog::CatalogReader& cart_reader();
  std::vector<json::ReadEndpointState> read_endpoint_states() const;
  // One log line when the database or the cache changes state (down/up, backoff/up), not one per
  // failed request.
  void note_database(bool reachable);
  void note_cache_state();
  // The cache's read endpoint for /readyz (endpoint empty without one).
  json::CacheReadState cache_read_state() const;

  const config::Config config_;
  const std::string conninfo_;
  std::shared_ptr<catalog::ReadEndpoints> read_endpoints_;  // null: no replicas configured
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<cache::ReadThrough> cache_;
  // Last: its thread calls forget_revisions (cache_) and is joined first on destruction.
  std::unique_ptr<catalog::ChangeFeed> feed_;
  std::atomic<bool> database_down_{false};
  std::atomic<int> cache_state_seen_{-1};  // index into the state names; -1 = not logged yet
  std::atomic<int> cache_read_state_seen_{-1};
  std::string cache_read_label_;  // host:port or sentinel:<master>; empty: no read endpoint
};

}  // namespace atelier::http
