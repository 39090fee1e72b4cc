// The endpoints of CONTRACT §1-3 as plain code: RequestView in, Reply out. The Pistache handler
// (api_handler.*) is a thin shell around Service::handle.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <variant>

#include "cache/cache_key.hpp"
#include "cache/hot_set.hpp"
#include "cache/read_through.hpp"
#include "catalog/cart_store.hpp"
#include "catalog/change_feed.hpp"
#include "catalog/database.hpp"
#include "catalog/product_reader.hpp"
#include "catalog/publish_log.hpp"
#include "catalog/query_watchdog.hpp"
#include "catalog/read_endpoints.hpp"
#include "config/config.hpp"
#include "http/deferred_work.hpp"
#include "http/group_commit.hpp"
#include "http/http_metrics.hpp"
#include "http/reply.hpp"
#include "http/request_parsing.hpp"
#include "json/serialize.hpp"
#include "session/session_key.hpp"

namespace atelier::http {

// Database work for a request, to run off the request thread (submit). It owns what it needs of
// the request.
struct Deferred {
  std::function<Reply()> work;
  // Set instead of work for work that answers later: a cart add, answered after its group commit.
  DeferredWork::AsyncWork async_work;
  RouteId route = RouteId::not_found;
  std::chrono::steady_clock::time_point start;
};
// What handle() answers: a reply now (every cached read, every refusal), or database work.
using Outcome = std::variant<Reply, Deferred>;

// What a Service reads and writes through, as factories of narrow interfaces (catalog/). The
// constructor without them makes the real ones, on PostgreSQL (DATABASE_URL, and
// ATELIER_READ_DATABASE_URLS for the product reads); unit tests pass fakes
// (tests/unit/http/service_test.cpp). Each factory is called once per thread that needs one
// (libpqxx connections are never shared between threads), never once per request.
struct ServiceBackends {
  // A database worker's product reads.
  std::function<std::unique_ptr<catalog::ProductRows>()> product_rows;
  // A thread's cart reads and writes (the database workers, and the background check's purge).
  std::function<std::unique_ptr<catalog::Carts>()> carts;
  // The background readiness check's reader of the dataset version.
  std::function<std::unique_ptr<catalog::DatasetVersions>()> dataset_versions;
  // The revision table, made once; it calls `on_changes` (which drops the bodies of the revisions
  // it moved past from the cache) after it moved.
  using OnChanges = std::function<void(std::span<const catalog::RevisionChange>)>;
  std::function<std::unique_ptr<catalog::Revisions>(OnChanges on_changes)> revisions;
};

class Service {
 public:
  // `keyer` keys cart sessions (session/session_key.hpp); required. The backends are PostgreSQL's.
  Service(config::Config config, std::shared_ptr<const session::SessionKeyer> keyer);
  // With the given backends; a member left empty is PostgreSQL's, as above.
  Service(config::Config config, std::shared_ptr<const session::SessionKeyer> keyer,
          ServiceBackends backends);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Never throws: every failure becomes a JSON error reply. Never waits on PostgreSQL: what needs
  // it comes back as Deferred.
  Outcome handle(const RequestView& request) noexcept;
  // Runs database work on the database workers; `done` gets its reply exactly once, or a 503
  // with Retry-After at the deadline (ATELIER_DB_DEADLINE_MS) or when the queue is full.
  void submit(Deferred deferred, std::function<void(Reply&&)> done);

  // SIGTERM: /readyz answers 503 from now on, and every answer says Connection: close.
  void start_draining() { draining_.store(true, std::memory_order_release); }
  // Waits (at most `limit`) until the hot set's prefill is over; false when it is not.
  bool wait_prefilled(std::chrono::milliseconds limit) const { return hot_->wait_prefilled(limit); }
  std::chrono::milliseconds longest_prefill() const { return hot_->longest_start(); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  // Waits for database work in flight (drain); true when none is left.
  bool wait_idle(std::chrono::milliseconds limit) { return work_->wait_idle(limit); }

  HttpMetrics& metrics() { return *metrics_; }
  const config::Config& config() const { return config_; }

 private:
  Outcome dispatch(const RouteMatch& match, const RequestView& request);
  // `load`: false on a request thread (look in the cache tiers only; a miss comes back
  // Deferred), true on a database worker.
  Outcome product_list(const RequestView& request, bool load);
  Outcome product_resource(RouteId route, const RequestView& request, std::string_view raw_id,
                           bool load);
  // The refusals (401, 415, 400) at once; the database work Deferred, or run when `run` is set.
  Outcome cart(const RequestView& request, bool run);
  Reply cart_get(const std::string& session);
  // A cart add (validated by cart()) waiting for its group commit (group_commit.hpp, docs/CART.md),
  // and what its 201 needs besides the outcome.
  struct PendingAdd {
    catalog::CartAddRequest add;
    std::string set_cookie;  // the new session's cookie, or empty
    DeferredWork::Answer answer;
  };
  PendingAdd pending_cart_add(const RequestView& request, DeferredWork::Answer answer);
  // The group commit's commit, on the leader's database worker: one statement for the batch (a
  // lone add: cart_add itself), then each add's answer.
  void commit_cart_adds(std::vector<PendingAdd>& batch) noexcept;
  Reply cart_add_reply(const PendingAdd& pending, const catalog::CartAddOutcome& outcome);
  // The same request again on a database worker, with `load` set.
  Deferred defer(RouteId route, const RequestView& request);
  Reply readyz();
  // The background check /readyz reads (one query per ATELIER_READY_CHECK_MS, never one per
  // probe), and the hourly purge of day-old cart request keys.
  void run_checks();
  Reply metrics_text();

  // Loads one product body (product_body::make_one), keyed by the revision its rows came from
  // (`loaded_revision` gets it; 0 when nothing was loaded).
  cache::Loaded load_product_body(cache::ProductBody body, std::int64_t id,
                                  std::uint64_t& loaded_revision);
  cache::Loaded load_product_page(const PageRequest& page, std::int64_t list_revision);
  Reply from_cached(std::shared_ptr<const cache::Entry> entry, const RequestView& request) const;
  Reply database_error(const catalog::Error& error, std::string_view what);

  // The backends on PostgreSQL, for the members `backends_` was not given.
  void fill_with_database_backends();
  // One reader per worker thread (libpqxx is not thread-safe), created on first use.
  catalog::ProductRows& reader();
  // The cart's store: always the primary (DATABASE_URL), so a shopper reads their own writes.
  // It shares reader()'s connection when no replicas are configured.
  catalog::Carts& cart_store();
  // This thread's connection to the primary (cart_store(), and reader() without replicas).
  std::shared_ptr<catalog::Database> primary_database();
  std::vector<json::ReadEndpointState> read_endpoint_states() const;
  // One log line when the database or the cache changes state (down/up, backoff/up), not one per
  // failed request.
  void note_database(bool reachable);
  void note_cache_state();
  // The cache's read endpoint for /readyz (endpoint empty without one).
  json::CacheReadState cache_read_state() const;

  const config::Config config_;
  const std::shared_ptr<const session::SessionKeyer> keyer_;
  // Names this Service to the per-thread readers and stores (reader()), so that a thread that
  // served another Service of the same process (tests) never reuses one of that Service's.
  const std::uint64_t instance_;
  const std::string conninfo_;
  // Cuts a query that hangs past the statement timeout (query_watchdog.hpp): every Database, the
  // change feed and the read-endpoint checker of this Service use it.
  const std::shared_ptr<catalog::QueryWatchdog> watchdog_;
  std::shared_ptr<catalog::ReadEndpoints> read_endpoints_;  // null: no replicas configured
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<cache::ReadThrough> cache_;
  ServiceBackends backends_;
  // Its thread (ChangeFeed's) drops old bodies from cache_ (product_body::invalidator): after
  // cache_, so it is joined before cache_ goes.
  std::unique_ptr<catalog::Revisions> feed_;
  // Cart adds between their workers and their commit; before work_, whose threads lead its
  // commits and are joined (with every add answered) before it goes.
  std::unique_ptr<GroupCommit<PendingAdd>> cart_adds_;
  // After the feed: its threads use reader() and cache_, and are joined before the feed stops.
  std::unique_ptr<DeferredWork> work_;
  // After the feed: its thread reads the feed's revisions and fills cache_; joined first.
  std::unique_ptr<cache::HotSet> hot_;
  std::atomic<bool> database_down_{false};
  std::atomic<bool> draining_{false};
  // The background check's last answer (run_checks): 0 = not checked yet, else a catalog::ErrorKind
  // + 1 of the failure, or kReadyOk.
  static constexpr int kReadyOk = -1;
  std::atomic<int> ready_state_{0};
  std::atomic<std::int64_t> ready_version_{0};
  std::mutex checks_mutex_;
  std::condition_variable checks_stop_;
  bool checks_stopping_ = false;
  std::thread checks_;
  std::atomic<int> cache_state_seen_{-1};  // index into the state names; -1 = not logged yet
  std::atomic<int> cache_read_state_seen_{-1};
  std::string cache_read_label_;  // host:port or sentinel:<master>; empty: no read endpoint
};

}  // namespace atelier::http
