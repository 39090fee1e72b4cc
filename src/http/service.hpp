// The endpoints of CONTRACT §1-3 as plain code: RequestView in, Reply out. The Pistache handler
// (api_handler.*) is a thin shell around Service::handle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"
#include "catalog/cart_batcher.hpp"
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

  // Receives a reply that comes later, exactly once, on another thread; it must not throw.
  using Respond = std::function<void(Reply)>;
  // Gives the Respond for a reply that comes later. Called only for the requests answered
  // later, cart reads and adds (their reply comes from the cart's group-commit thread,
  // catalog/cart_batcher.hpp), so the other requests build no callback.
  using Defer = std::function<Respond()>;

  // The reply, or nullopt when it goes to defer()'s Respond later. Never throws: every failure
  // becomes a JSON error reply. `request` need only live until handle() returns.
  std::optional<Reply> handle(const RequestView& request, const Defer& defer) noexcept;
  // The same, waiting for a reply that comes later (tests, callers without an event loop).
  Reply handle(const RequestView& request) noexcept;

  // Answers the cart requests still queued, then answers new ones 503 (a stopping host).
  void stop_cart() noexcept;

  HttpMetrics& metrics() { return *metrics_; }
  const config::Config& config() const { return config_; }

 private:
  // nullopt: the reply goes to defer()'s Respond later (cart requests).
  std::optional<Reply> dispatch(const RouteMatch& match, const RequestView& request,
                                const Defer& defer);
  Reply product_list(const RequestView& request);
  Reply product_resource(RouteId route, const RequestView& request, std::string_view raw_id);
  std::optional<Reply> cart_get(const RequestView& request, const Defer& defer);
  std::optional<Reply> cart_post(const RequestView& request, const Defer& defer);
  // defer()'s Respond, counting the request in the metrics when the reply comes.
  Respond counted(RouteId route, const Defer& defer);
  Reply cart_post_reply(const catalog::Result<catalog::CartAdd>& result, std::int64_t sku_id,
                        const std::string& new_session) noexcept;
  Reply readyz();
  Reply metrics_text();

  // Loads one product body from Postgres and serializes it, keyed by the revision its rows came
  // from (`loaded_revision` gets it; 0 when nothing was loaded).
  cache::Loaded load_product_body(cache::ProductBody body, std::int64_t id,
                                  std::uint64_t& loaded_revision);
  cache::Loaded load_product_page(const PageRequest& page, std::int64_t list_revision);
  Reply from_cached(cache::Entry entry, const RequestView& request) const;
  // The feed moved products to new revisions: their old revisions' entries go from both tiers.
  void forget_revisions(std::span<const catalog::RevisionChange> changes);
  Reply database_error(const catalog::Error& error, std::string_view what);

  // One reader per worker thread (libpqxx is not thread-safe), created on first use.
  catalog::CatalogReader& reader();
  std::vector<json::ReadEndpointState> read_endpoint_states() const;
  // One log line when the database or the cache changes state (down/up, backoff/up), not one per
  // failed request.
  void note_database(bool reachable);
  void note_cache_state();
  // The cache's read endpoint for /readyz (endpoint empty without one).
  json::CacheReadState cache_read_state() const;
  void append_cache_read_metrics(std::string& out) const;

  const config::Config config_;
  const std::string conninfo_;
  std::shared_ptr<catalog::ReadEndpoints> read_endpoints_;  // null: no replicas configured
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<cache::ReadThrough> cache_;
  // Last: its thread calls forget_revisions (cache_) and is joined first on destruction.
  std::unique_ptr<catalog::ChangeFeed> feed_;
  // The cart's reads and writes: always the primary (DATABASE_URL), so a shopper reads their own
  // writes; batched into group commits on its own thread.
  std::unique_ptr<catalog::CartBatcher> cart_;
  std::atomic<bool> database_down_{false};
  std::atomic<int> cache_state_seen_{-1};  // index into the state names; -1 = not logged yet
  std::atomic<int> cache_read_state_seen_{-1};
  std::string cache_read_label_;  // host:port or sentinel:<master>; empty: no read endpoint
};

}  // namespace atelier::http
