#include "http/service.hpp"

#include <exception>

#include "cache/cache_key.hpp"
#include "cache/redis_options.hpp"
#include "catalog/publish_log.hpp"
#include "encoding/representation.hpp"
#include "http/catalog_failure.hpp"
#include "http/content_negotiation.hpp"
#include "http/log.hpp"
#include "json/serialize.hpp"
#include "product_body/product_body.hpp"

namespace atelier::http {

namespace {

constexpr std::string_view kProductCacheControl = "public, max-age=60";
constexpr std::string_view kNoStore = "no-store";
// Product bodies differ by Accept-Encoding (gzip or identity), so shared caches must key on it.
constexpr std::string_view kVaryEncoding = "Accept-Encoding";

std::string not_found_message(std::int64_t id) {
  return "No product with id " + std::to_string(id) + ".";
}

// A server answers a statement past its statement_timeout with an error; one that has not
// answered a second after that is not going to (QueryWatchdog).
std::shared_ptr<catalog::QueryWatchdog> make_watchdog(const config::Config& config) {
  auto watchdog = std::make_shared<catalog::QueryWatchdog>();
  watchdog->set_limit(config.db_statement_timeout + std::chrono::seconds(1));
  return watchdog;
}

// Replicas from ATELIER_READ_DATABASE_URLS, then the primary as the last fall-back.
std::shared_ptr<catalog::ReadEndpoints> make_read_endpoints(
    const config::Config& config, std::shared_ptr<catalog::QueryWatchdog> watchdog) {
  if (config.read_database_urls.empty()) return nullptr;
  std::vector<std::string> conninfos;
  std::vector<std::string> labels;
  for (const std::string& url : config.read_database_urls) {
    conninfos.push_back(config::postgres_conninfo(config, url, "atelier-api"));
    labels.push_back(catalog::endpoint_label(url));
  }
  conninfos.push_back(config::postgres_conninfo(config, "atelier-api"));
  labels.push_back(catalog::endpoint_label(config.database_url));
  return std::make_shared<catalog::ReadEndpoints>(
      std::move(conninfos), std::move(labels), config.replica_max_lag,
      config.replica_check_interval, std::move(watchdog));
}

// A number per Service of the process, never reused (Service::instance_). Global by necessity: it
// must be unique across every Service, and it is only ever incremented.
std::uint64_t next_instance() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

namespace {

cache::CacheOptions cache_options(const config::Config& config, HttpMetrics& metrics) {
  cache::CacheOptions options;
  if (!config.redis_url.empty()) {
    options.redis = cache::parse_redis_url(config.redis_url);
    if (options.redis) {
      options.redis = cache::with_secrets(std::move(*options.redis), config.redis_password,
                                          config.redis_sentinel_password);
    }
    if (!options.redis) {
      log_event("error", "redis_url_invalid",
                {{"hint", "cache disabled; expected redis://[:password@]host:port[/db]"}});
    } else {
      options.redis->connect_timeout = config.redis_connect_timeout;
      options.redis->command_timeout = config.redis_command_timeout;
    }
  }
  if (options.redis && !config.redis_read_url.empty()) {
    options.read_redis = cache::parse_redis_url(config.redis_read_url);
    if (options.read_redis) {
      options.read_redis = cache::with_secrets(
          std::move(*options.read_redis), config.redis_password, config.redis_sentinel_password);
    }
    if (!options.read_redis) {
      log_event("error", "redis_read_url_invalid",
                {{"hint",
                  "reads go to REDIS_URL; expected redis://[:password@]host:port[/db] or "
                  "redis-sentinel://...#master"}});
    } else {
      options.read_redis->connect_timeout = config.redis_connect_timeout;
      options.read_redis->command_timeout = config.redis_command_timeout;
      // A Sentinel URL here names the master whose replicas serve the reads.
      options.read_redis->sentinel_replica = !options.read_redis->sentinels.empty();
    }
  }
  options.ttl_jitter = config.cache_ttl_jitter_percent / 100.0;
  options.observe_latency = [&metrics](double seconds) { metrics.observe_redis(seconds); };
  return options;
}

}  // namespace

Service::Service(config::Config config, std::shared_ptr<const session::SessionKeyer> keyer)
    : Service(std::move(config), std::move(keyer), ServiceBackends{}) {}

Service::Service(config::Config config, std::shared_ptr<const session::SessionKeyer> keyer,
                 ServiceBackends backends)
    : config_(std::move(config)),
      keyer_(std::move(keyer)),
      instance_(next_instance()),
      conninfo_(config::postgres_conninfo(config_, "atelier-api")),
      watchdog_(make_watchdog(config_)),
      read_endpoints_(make_read_endpoints(config_, watchdog_)),
      metrics_(std::make_unique<HttpMetrics>()),
      cache_(std::make_unique<cache::ReadThrough>(cache_options(config_, *metrics_),
                                                  config_.local_cache_mb * 1024 * 1024,
                                                  config_.local_page_cache_mb * 1024 * 1024)),
      backends_(std::move(backends)) {
  fill_with_database_backends();
  metrics_->attach_cache_counters(&cache_->counters());
  cache_read_label_ = cache_->read_label();
  feed_ = backends_.revisions(product_body::invalidator(*cache_));
  cart_adds_ = std::make_unique<GroupCommit<PendingAdd>>(
      static_cast<std::size_t>(config_.cart_batch_max),
      [this](std::vector<PendingAdd>& batch) { commit_cart_adds(batch); },
      static_cast<std::size_t>(config_.cart_committers));
  DeferredWork::Options work;
  work.threads = static_cast<std::size_t>(config_.db_workers);
  work.max_queued = static_cast<std::size_t>(config_.db_queue);
  work.deadline = config_.db_deadline;
  work.timeout_reply = [this] {
    note_database(false);
    Reply r = json_error(503, "The database did not answer in time; retry shortly.");
    r.retry_after_seconds = 1;
    r.cache_control = kNoStore;
    return r;
  };
  work.overload_reply = [] {
    Reply r = json_error(503, "The service is busy; retry shortly.");
    r.retry_after_seconds = 1;
    r.cache_control = kNoStore;
    return r;
  };
  work_ = std::make_unique<DeferredWork>(std::move(work));
  cache::HotSetOptions hot;
  hot.publish_interval = config_.hot_set_interval;
  hot.prefill_timeout = config_.prefill_timeout;
  hot.max_products = config_.hot_set_products;
  hot.list_file = config_.hot_set_file;
  if (!config_.hot_set_name.empty())
    hot.own_list_key = cache::CacheKey::hot_bodies(config_.hot_set_name);
  hot.revision_of = [this](std::int64_t id) { return feed_->revision(id); };
  hot.revisions_ready = [this] { return feed_->ready(); };
  hot.log = [](std::string_view event, std::string_view detail) {
    log_event("info", event, {{"detail", detail}});
  };
  hot_ = std::make_unique<cache::HotSet>(*cache_, std::move(hot));
  checks_ = std::thread([this] { run_checks(); });
}

Service::~Service() {
  {
    std::lock_guard lock(checks_mutex_);
    checks_stopping_ = true;
  }
  checks_stop_.notify_all();
  if (checks_.joinable()) checks_.join();
  hot_.reset();
  work_->stop();
}

void Service::fill_with_database_backends() {
  if (!backends_.product_rows) {
    backends_.product_rows = [this]() -> std::unique_ptr<catalog::ProductRows> {
      return std::make_unique<catalog::ProductReader>(
          read_endpoints_ ? std::make_shared<catalog::Database>(read_endpoints_, watchdog_)
                          : primary_database());
    };
  }
  if (!backends_.carts) {
    backends_.carts = [this]() -> std::unique_ptr<catalog::Carts> {
      return std::make_unique<catalog::CartStore>(primary_database());
    };
  }
  if (!backends_.dataset_versions) {
    // Its own connection: the readiness check never waits behind request work, nor the reverse.
    backends_.dataset_versions = [this]() -> std::unique_ptr<catalog::DatasetVersions> {
      return std::make_unique<catalog::PublishLogReader>(
          read_endpoints_ ? std::make_shared<catalog::Database>(read_endpoints_, watchdog_)
                          : std::make_shared<catalog::Database>(conninfo_, watchdog_));
    };
  }
  if (!backends_.revisions) {
    backends_.revisions =
        [this](ServiceBackends::OnChanges on_changes) -> std::unique_ptr<catalog::Revisions> {
      catalog::ChangeFeedOptions feed;
      feed.read_conninfo = conninfo_;
      feed.read_endpoints = read_endpoints_;
      feed.listen_conninfo = config::postgres_conninfo(config_, "atelier-api-listen");
      feed.poll_interval = config_.change_poll_interval;
      feed.watchdog = watchdog_;
      feed.on_changes = std::move(on_changes);
      feed.log = [](std::string_view event, std::string_view detail) {
        log_event("info", event, {{"detail", detail}});
      };
      return std::make_unique<catalog::ChangeFeed>(std::move(feed));
    };
  }
}

void Service::run_checks() {
  // Its own readers (on this thread): a check never waits behind request work, and request work
  // never behind it.
  const std::unique_ptr<catalog::DatasetVersions> catalog = backends_.dataset_versions();
  const std::unique_ptr<catalog::Carts> carts = backends_.carts();
  constexpr auto kForgetEvery = std::chrono::hours(1);
  auto next_forget = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  std::unique_lock lock(checks_mutex_);
  while (!checks_stopping_) {
    lock.unlock();
    auto version = catalog->dataset_version();
    if (version.ok()) {
      ready_version_.store(version.value(), std::memory_order_relaxed);
      ready_state_.store(kReadyOk, std::memory_order_release);
    } else {
      ready_state_.store(static_cast<int>(version.error().kind) + 1, std::memory_order_release);
    }
    note_database(version.ok() || version.error().kind == catalog::ErrorKind::query);
    if (std::chrono::steady_clock::now() >= next_forget) {
      next_forget = std::chrono::steady_clock::now() + kForgetEvery;
      auto forgotten = carts->forget_cart_requests();
      if (forgotten.ok() && forgotten.value() > 0) {
        log_event("info", "cart_request_keys_forgotten",
                  {{"count", std::to_string(forgotten.value())}});
      }
    }
    lock.lock();
    checks_stop_.wait_for(lock, config_.ready_check_interval, [&] { return checks_stopping_; });
  }
}

namespace {

// The calling thread's T (one per thread and kind), made by `make` on first use. Keyed by the
// Service's instance number so that a second Service in the same process (tests) never reuses one
// made for another database (or another test's fake).
template <typename T>
T& per_thread(std::uint64_t instance, const std::function<std::unique_ptr<T>()>& make) {
  thread_local std::uint64_t owner = 0;
  thread_local std::unique_ptr<T> local;
  if (!local || owner != instance) {
    local = make();
    owner = instance;
  }
  return *local;
}

}  // namespace

catalog::ProductRows& Service::reader() {
  return per_thread(instance_, backends_.product_rows);
}

catalog::Carts& Service::cart_store() {
  return per_thread(instance_, backends_.carts);
}

std::shared_ptr<catalog::Database> Service::primary_database() {
  thread_local std::uint64_t owner = 0;
  thread_local std::shared_ptr<catalog::Database> local;
  if (!local || owner != instance_) {
    local = std::make_shared<catalog::Database>(conninfo_, watchdog_);
    owner = instance_;
  }
  return local;
}

// [{"endpoint":"10.0.0.5:5432","state":"up","replica":true,"lag_seconds":0.0,"preferred":true},..]
std::vector<json::ReadEndpointState> Service::read_endpoint_states() const {
  std::vector<json::ReadEndpointState> out;
  if (!read_endpoints_) return out;
  const auto health = read_endpoints_->health();
  const std::size_t preferred = read_endpoints_->preferred();
  for (std::size_t i = 0; i < health.size(); ++i) {
    const auto& h = health[i];
    out.push_back({read_endpoints_->label(i),
                   !h.checked    ? "unknown"
                   : h.reachable ? "up"
                                 : "down",
                   h.in_recovery, h.lag_seconds, i == preferred});
  }
  return out;
}

void Service::note_database(bool reachable) {
  const bool down = !reachable;
  if (database_down_.load(std::memory_order_relaxed) == down) return;
  if (database_down_.exchange(down) == down) return;  // another thread logged it
  log_event(reachable ? "info" : "error",
            reachable ? "database_available" : "database_unavailable");
}

namespace {

// Logs `event` once per change of `state` (seen holds the last logged one; -1 = none yet).
void note_state(cache::CacheState now, std::atomic<int>& seen_state, std::string_view event) {
  const int index = static_cast<int>(now);
  int seen = seen_state.load(std::memory_order_relaxed);
  if (seen == index) return;
  if (!seen_state.compare_exchange_strong(seen, index)) return;  // another thread logged it
  log_event(now == cache::CacheState::backoff ? "warn" : "info", event,
            {{"state", cache::to_string(now)}});
}

}  // namespace

void Service::note_cache_state() {
  note_state(cache_->state(), cache_state_seen_, "cache_state");
  if (!cache_read_label_.empty()) {
    note_state(cache_->read_state(), cache_read_state_seen_, "cache_read_state");
  }
}

json::CacheReadState Service::cache_read_state() const {
  if (cache_read_label_.empty()) return {};
  return {cache_read_label_, cache::to_string(cache_->read_state())};
}

namespace {

// Runs an endpoint; whatever it throws becomes a 500 (nothing escapes a handler).
template <typename Fn>
auto guarded(std::string_view path, Fn&& fn) noexcept -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    log_event("error", "handler_exception", {{"path", path}, {"what", e.what()}});
  } catch (...) {
    log_event("error", "handler_exception", {{"path", path}});
  }
  try {
    return json_error(500, "The service failed while answering; try again.");
  } catch (...) {
    Reply bare;  // out of memory for even the error text: the status alone
    bare.status = 500;
    bare.no_body = true;
    return bare;
  }
}

}  // namespace

Outcome Service::handle(const RequestView& request) noexcept {
  const auto start = std::chrono::steady_clock::now();
  // The route is matched once per request: dispatch answers by it and the metrics count by it.
  const RouteMatch match = match_route(request.path);
  Outcome outcome = guarded(request.path, [&]() -> Outcome { return dispatch(match, request); });
  if (auto* reply = std::get_if<Reply>(&outcome)) {
    metrics_->observe_request(match.route, reply->status, seconds_since(start));
    note_cache_state();
  } else {
    auto& deferred = std::get<Deferred>(outcome);
    deferred.route = match.route;
    deferred.start = start;
  }
  return outcome;
}

void Service::submit(Deferred deferred, std::function<void(Reply&&)> done) {
  auto answered = [this, route = deferred.route, start = deferred.start,
                   done = std::move(done)](Reply&& reply) {
    metrics_->observe_request(route, reply.status, seconds_since(start));
    done(std::move(reply));
  };
  if (deferred.async_work) {
    work_->submit_async(std::move(deferred.async_work), std::move(answered));
  } else {
    work_->submit(std::move(deferred.work), std::move(answered));
  }
}

Deferred Service::defer(RouteId route, const RequestView& request) {
  auto owned = std::make_shared<const OwnedRequest>(request);
  Deferred deferred;
  if (route == RouteId::cart && request.method == Method::post) {
    // Answered after its commit, which may be a later batch's (cart_adds_): the worker is free
    // as soon as the add is committed or queued.
    deferred.async_work = [this, owned](DeferredWork::Answer answer) {
      const RequestView& view = owned->view();
      std::optional<PendingAdd> pending;
      Reply failed = guarded(view.path, [&]() -> Reply {
        pending.emplace(pending_cart_add(view, answer));
        return Reply{};
      });
      if (pending) {
        cart_adds_->add(std::move(*pending));
      } else {
        answer(std::move(failed));
      }
    };
    return deferred;
  }
  deferred.work = [this, route, owned]() -> Reply {
    const RequestView& view = owned->view();
    return guarded(view.path, [&]() -> Reply {
      Outcome outcome;
      if (route == RouteId::products) {
        outcome = product_list(view, true);
      } else if (route == RouteId::cart) {
        outcome = cart(view, true);
      } else {
        outcome = product_resource(route, view, match_route(view.path).product_id, true);
      }
      // With load set, these endpoints answer at once.
      return std::get<Reply>(std::move(outcome));
    });
  };
  return deferred;
}

Outcome Service::dispatch(const RouteMatch& match, const RequestView& request) {
  if (match.route == RouteId::not_found) {
    return json_error(404, "No such endpoint; see the API reference for the available paths.");
  }
  // Before the method checks, as for every request to /cart: a value that cannot name a session.
  if (match.route == RouteId::cart &&
      !is_acceptable_authorization(request.authorization.value_or(""))) {
    return json_error(400,
                      "The Authorization header must be at most 1024 printable ASCII characters.");
  }
  const std::string_view allow = allowed_methods(match.route);
  if (request.method == Method::options) {
    Reply r;
    r.status = 204;
    r.no_body = true;
    r.allow = allow;
    return r;
  }
  const bool post_allowed = match.route == RouteId::cart;
  if (request.method != Method::get && !(request.method == Method::post && post_allowed)) {
    Reply r = json_error(405, "Method not allowed here; allowed: " + std::string(allow) + ".");
    r.allow = allow;
    return r;
  }
  switch (match.route) {
    case RouteId::products:
      return product_list(request, false);
    case RouteId::product:
    case RouteId::product_styles:
    case RouteId::product_related:
      return product_resource(match.route, request, match.product_id, false);
    case RouteId::cart:
      return cart(request, false);
    case RouteId::healthz: {
      Reply r;
      r.body = R"({"status":"ok"})";
      r.cache_control = kNoStore;
      return r;
    }
    case RouteId::readyz:
      return readyz();
    case RouteId::metrics:
      return metrics_text();
    case RouteId::not_found:
      break;
  }
  return json_error(404, "No such endpoint; see the API reference for the available paths.");
}

Reply Service::from_cached(std::shared_ptr<const cache::Entry> shared,
                           const RequestView& request) const {
  const cache::Entry& entry = *shared;
  Reply r;
  r.status = entry.status;
  if (entry.status == 200) {
    r.cache_control = kProductCacheControl;
    r.vary = kVaryEncoding;
    // The representation the client accepts, with its own ETag: If-None-Match compares against
    // that one, so a tag of the gzip bytes never validates the identity bytes or the reverse.
    const encoding::Coding coding =
        negotiate_coding(request.accept_encoding, encoding::codings_of(entry));
    r.etag = encoding::representation_etag(entry.etag, coding);
    if (request.if_none_match && !r.etag.empty() &&
        if_none_match_matches(*request.if_none_match, r.etag)) {
      r.status = 304;
      r.no_body = true;
      return r;
    }
    if (coding != encoding::Coding::identity) r.content_encoding = encoding::to_string(coding);
    if (encoding::is_kept_coding(entry, coding)) {
      // The kept bytes themselves, owned with the entry (aliasing shared_ptr): no copy.
      r.shared_body = std::shared_ptr<const std::string>(std::move(shared), &entry.body);
      return r;
    }
    auto body = encoding::body_in(cache::Entry(entry), coding);
    if (!body) {
      log_event("error", "cached_body_corrupt", {{"path", request.path}});
      return json_error(500, "The service failed while answering; try again.");
    }
    r.body = std::move(*body);
    return r;
  } else if (entry.status == 503) {
    r.retry_after_seconds = 1;
  }
  r.body = entry.body;
  return r;
}

Reply Service::database_error(const catalog::Error& error, std::string_view what) {
  metrics_->observe_db_error();
  if (error.kind != catalog::ErrorKind::query) note_database(false);
  if (error.kind == catalog::ErrorKind::query) {
    log_event("error", "database_query_failed", {{"what", what}, {"detail", error.detail}});
  }
  const CatalogFailure& failure = catalog_failure(error.kind);
  Reply r = json_error(failure.status, failure.message);
  if (failure.status == 503) r.retry_after_seconds = 1;
  return r;
}

namespace {

cache::Entry error_entry(int status, std::string_view message) {
  cache::Entry e;
  e.status = status;
  e.body = json::write_error(message);
  return e;
}

// Compressed here, once, when a miss makes the body (encoding/representation.hpp).
cache::Entry ok_entry(std::string body) {
  return encoding::make_entry(std::move(body));
}

cache::Entry failure_entry(const catalog::Error& error) {
  const CatalogFailure& failure = catalog_failure(error.kind);
  return error_entry(failure.status, failure.message);
}

}  // namespace

cache::Loaded Service::load_product_body(cache::ProductBody body, std::int64_t id,
                                         std::uint64_t& loaded_revision) {
  const auto start = std::chrono::steady_clock::now();
  auto made = product_body::make_one(reader(), body, id, config_.campus);
  metrics_->observe_db(seconds_since(start), !made.ok());
  note_database(made.ok() || made.error().kind == catalog::ErrorKind::query);
  cache::Loaded loaded;
  if (!made.ok()) {
    if (made.error().kind == catalog::ErrorKind::query) {
      log_event("error", "database_query_failed", {{"detail", made.error().detail}});
    }
    loaded.entry = failure_entry(made.error());
  } else if (!made.value()) {
    loaded.entry = error_entry(404, not_found_message(id));
  } else {
    loaded_revision = made.value()->revision;
    loaded.key = std::move(made.value()->keyed.key);
    loaded.entry = std::move(made.value()->keyed.entry);
  }
  return loaded;
}

Outcome Service::product_resource(RouteId route, const RequestView& request,
                                  std::string_view raw_id, bool load) {
  auto parsed = parse_product_id(raw_id);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) return json_error(400, bad->message);
  const std::int64_t id = std::get<std::int64_t>(parsed);
  const cache::ProductBody body = route == RouteId::product          ? cache::ProductBody::detail
                                  : route == RouteId::product_styles ? cache::ProductBody::styles
                                                                     : cache::ProductBody::related;
  // The host's revision table answers "which bodies are current" without a query: no revision
  // means no such product. Until the table is loaded (a host starting), every request loads.
  const bool ready = feed_->ready();
  const std::uint64_t revision = ready ? feed_->revision(id) : 0;
  if (ready && revision == 0) {
    return from_cached(
        std::make_shared<const cache::Entry>(error_entry(404, not_found_message(id))), request);
  }
  const std::string key =
      ready ? cache::CacheKey::body(body, id, revision) : cache::CacheKey::pending(body, id);
  if (!load) {
    // A request thread: the tiers only. A miss (or a host still reading its revisions) is the
    // database workers' (deferred_work.hpp).
    if (ready) {
      if (auto found = cache_->find(key)) return from_cached(std::move(found), request);
    }
    return defer(route, request);
  }
  std::uint64_t loaded_revision = 0;
  // The request thread already looked in both tiers: straight to the (single-flight) load.
  auto entry =
      cache_->fetch(key, false, [&] { return load_product_body(body, id, loaded_revision); });
  // The rows were older than the revision table by the time they were stored (a publish landed
  // in between, and the feed may already have dropped that revision): drop what was just stored
  // rather than keep an entry nobody will ask for again.
  if (loaded_revision != 0 && feed_->ready() && feed_->revision(id) != loaded_revision) {
    const std::string stale[] = {cache::CacheKey::body(body, id, loaded_revision)};
    cache_->forget(stale);
  }
  return from_cached(std::move(entry), request);
}

cache::Loaded Service::load_product_page(const PageRequest& page, std::int64_t list_revision) {
  const auto start = std::chrono::steady_clock::now();
  cache::Loaded loaded;
  loaded.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(config_.page_cache_ttl);
  auto ranks = page.ranks();
  if (!ranks) {
    // The page starts past any possible rank: an empty page, from any dataset.
    loaded.entry = ok_entry("[]");
    return loaded;
  }
  auto result = reader().product_page(ranks->first, ranks->second);
  metrics_->observe_db(seconds_since(start), !result.ok());
  note_database(result.ok() || result.error().kind == catalog::ErrorKind::query);
  if (!result.ok()) {
    loaded.entry = failure_entry(result.error());
    return loaded;
  }
  loaded.entry = ok_entry(json::write_product_list(result.value().value, config_.campus));
  // Kept only when no publish landed while it was read (otherwise it might be from either side),
  // and when it holds a product: an empty page past the end is not worth a cache slot.
  if (list_revision != 0 && feed_->list_revision() == list_revision &&
      !result.value().value.empty()) {
    loaded.key = cache::CacheKey::products(list_revision, page.page, page.count);
    loaded.budget_key = cache::CacheKey::page_budget(list_revision);
    loaded.budget_bytes = config_.page_cache_redis_mb * 1024 * 1024;
  }
  return loaded;
}

Outcome Service::product_list(const RequestView& request, bool load) {
  auto parsed = parse_page_request(request.page, request.count, config_.max_page_count);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) return json_error(400, bad->message);
  const PageRequest page = std::get<PageRequest>(parsed);
  // Pages are keyed by the list revision: the last publish that changed any product.
  const std::int64_t list_revision = feed_->ready() ? feed_->list_revision() : 0;
  // A page that starts past the last product is [] with no lookup, no query and nothing stored:
  // walking page numbers past the end costs neither the database nor the cache anything.
  const auto ranks = page.ranks();
  if (list_revision != 0 &&
      (!ranks || ranks->first > static_cast<std::int64_t>(feed_->products()))) {
    return from_cached(std::make_shared<const cache::Entry>(ok_entry("[]")), request);
  }
  const std::string key = cache::CacheKey::products(list_revision, page.page, page.count);
  if (!load) {
    if (list_revision != 0) {
      if (auto found = cache_->find(key, cache::Shelf::pages)) {
        return from_cached(std::move(found), request);
      }
    }
    return defer(RouteId::products, request);
  }
  auto entry = cache_->fetch(
      key, false, [&] { return load_product_page(page, list_revision); }, cache::Shelf::pages);
  return from_cached(std::move(entry), request);
}

Outcome Service::cart(const RequestView& request, bool run) {
  const auto refuse = [](int status, std::string_view message) {
    Reply r = json_error(status, message);
    r.cache_control = kNoStore;
    return r;
  };
  const SessionRef session = session_from(request.authorization, request.cookie);
  if (session.kind == SessionRef::Kind::too_short) {
    return refuse(401,
                  "The Authorization header is not a session: a cart token has at least 20 "
                  "characters.");
  }
  if (request.method == Method::post) {
    if (!request.content_type || !is_json_content_type(*request.content_type)) {
      return refuse(415, "Send the cart item as JSON: Content-Type: application/json.");
    }
    auto body = parse_cart_body(request.body);
    if (auto* bad = std::get_if<BadRequest>(&body)) return refuse(400, bad->message);
    auto key = parse_idempotency_key(request.idempotency_key);
    if (auto* bad = std::get_if<BadRequest>(&key)) return refuse(400, bad->message);
    return defer(RouteId::cart, request);  // always: the add is answered after its commit
  }
  if (!session.found()) {
    Reply r;
    r.cache_control = kNoStore;
    r.body = "[]";
    return r;
  }
  if (!run) return defer(RouteId::cart, request);
  return cart_get(session.value);
}

Reply Service::cart_get(const std::string& session) {
  Reply r;
  r.cache_control = kNoStore;
  const auto start = std::chrono::steady_clock::now();
  auto result = cart_store().cart(keyer_->key(session), keyer_->previous_key(session).value_or(""));
  metrics_->observe_db(seconds_since(start), !result.ok());
  if (!result.ok()) {
    // Its error as every cart answer: never cached (CONTRACT, Cart).
    Reply failed = database_error(result.error(), "cart_get");
    failed.cache_control = kNoStore;
    return failed;
  }
  r.body = json::write_cart(result.value());
  return r;
}

Service::PendingAdd Service::pending_cart_add(const RequestView& request,
                                              DeferredWork::Answer answer) {
  // Validated by cart() before it was deferred.
  const SessionRef session = session_from(request.authorization, request.cookie);
  const std::int64_t sku_id = std::get<std::int64_t>(parse_cart_body(request.body));
  const auto idempotency_key =
      std::get<std::optional<std::string>>(parse_idempotency_key(request.idempotency_key));
  PendingAdd pending{{}, {}, std::move(answer)};
  std::string session_value = session.value;
  if (!session.found()) {
    session_value = session::new_session_id();
    pending.set_cookie = "session=" + session_value + "; Path=/; HttpOnly; SameSite=Lax";
    if (request.forwarded_proto && *request.forwarded_proto == "https") {
      pending.set_cookie += "; Secure";
    }
  }
  catalog::CartAddRequest& add = pending.add;
  add.session_key = keyer_->key(session_value);
  add.previous_key = keyer_->previous_key(session_value).value_or("");
  add.sku_id = sku_id;
  // Every add has a request key, so a retry never adds twice: the client's Idempotency-Key, else
  // the edge's id of the client request (NGINX may send one request to a second host), else one
  // made here (this host's own retry after a lost connection). Prefixed so that they never meet.
  if (idempotency_key) {
    add.request_key = "k:" + *idempotency_key;
  } else if (request.request_id && is_usable_request_id(*request.request_id)) {
    add.request_key = "r:" + std::string(*request.request_id);
  } else {
    add.request_key = "h:" + session::new_session_id();
  }
  add.max_skus = config_.cart_max_skus;
  add.max_units = config_.cart_max_units;
  return pending;
}

void Service::commit_cart_adds(std::vector<PendingAdd>& batch) noexcept {
  // An add that its deadline answered (503) while it waited for this batch is not written, as a
  // job whose deadline passed before it started is never run (deferred_work.hpp).
  std::erase_if(batch, [](const PendingAdd& p) { return p.answer.answered(); });
  if (batch.empty()) return;
  try {
    const auto start = std::chrono::steady_clock::now();
    catalog::Result<std::vector<catalog::CartAddOutcome>> result = catalog::Error{};
    if (batch.size() == 1) {
      // A lone add: today's statement, no array to build.
      result = cart_store().add_to_cart(std::span(&batch.front().add, 1));
    } else {
      std::vector<catalog::CartAddRequest> adds;
      adds.reserve(batch.size());
      for (const PendingAdd& p : batch) adds.push_back(p.add);
      result = cart_store().add_to_cart(adds);
    }
    metrics_->observe_db(seconds_since(start), !result.ok());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Reply reply = result.ok() ? cart_add_reply(batch[i], result.value()[i])
                                : database_error(result.error(), "cart_post");
      reply.cache_control = kNoStore;
      batch[i].answer(std::move(reply));
    }
  } catch (const std::exception& e) {
    // Out of memory or a bug: each add not answered yet gets the handler's 500 (its Answer drops
    // a second answer).
    log_event("error", "handler_exception", {{"path", "/cart"}, {"what", e.what()}});
    for (PendingAdd& p : batch)
      p.answer(json_error(500, "The service failed while answering; try again."));
  }
}

Reply Service::cart_add_reply(const PendingAdd& pending, const catalog::CartAddOutcome& outcome) {
  const auto finish = [](Reply r) {
    r.cache_control = kNoStore;
    return r;
  };
  const std::int64_t sku_id = pending.add.sku_id;
  if (outcome.status == 422 && outcome.bound == "key_reused") {
    return finish(json_error(422,
                             "This Idempotency-Key was already used for another sku in this "
                             "session; use a new key for a new add."));
  }
  if (outcome.status == 422) {
    return finish(json_error(422, "No sku with id " + std::to_string(sku_id) + "."));
  }
  if (outcome.status == 409) {
    return finish(
        json_error(409, outcome.bound == "units"
                            ? "The cart holds the most units of this sku one cart may (" +
                                  std::to_string(config_.cart_max_units) + "); nothing was added."
                            : "The cart holds the most distinct skus one cart may (" +
                                  std::to_string(config_.cart_max_skus) + "); nothing was added."));
  }
  Reply r;
  r.status = 201;
  r.body = "Created";
  r.content_type = "text/plain; charset=utf-8";
  r.set_cookie = pending.set_cookie;
  return finish(std::move(r));
}

Reply Service::readyz() {
  Reply r;
  r.cache_control = kNoStore;
  const std::string_view cache_state = cache::to_string(cache_->state());
  const std::vector<json::ReadEndpointState> endpoints = read_endpoint_states();
  if (draining()) {
    r.status = 503;
    r.retry_after_seconds = 1;
    r.body = json::write_not_ready("The host is shutting down (draining).", "up", cache_state,
                                   endpoints, cache_read_state());
    return r;
  }
  // The background check's answer (run_checks): a probe never waits on the database.
  const int state = ready_state_.load(std::memory_order_acquire);
  if (state == 0) {
    r.status = 503;
    r.retry_after_seconds = 1;
    r.body = json::write_not_ready("The host has not reached its database yet.", "unknown",
                                   cache_state, endpoints, cache_read_state());
    return r;
  }
  if (state != kReadyOk) {
    const CatalogFailure& failure = catalog_failure(static_cast<catalog::ErrorKind>(state - 1));
    r.status = 503;  // whatever failed, this host cannot answer product requests now
    r.retry_after_seconds = 1;
    r.body = json::write_not_ready(failure.readiness_message, failure.readiness, cache_state,
                                   endpoints, cache_read_state());
    return r;
  }
  if (!feed_->ready()) {
    // Serving without the revision table would work (every request loads) but slowly: a
    // balancer should wait the second it takes to read it.
    r.status = 503;
    r.retry_after_seconds = 1;
    r.body = json::write_not_ready("The host is still reading the catalog's revisions.", "up",
                                   cache_state, endpoints, cache_read_state());
    return r;
  }
  if (!hot_->prefilled()) {
    // A few seconds (ATELIER_PREFILL_TIMEOUT_MS at most): taking traffic with an empty
    // in-process tier would run this host at half speed until it filled.
    r.status = 503;
    r.retry_after_seconds = 1;
    r.body =
        json::write_not_ready("The host is filling its in-process cache with the hot products.",
                              "up", cache_state, endpoints, cache_read_state());
    return r;
  }
  r.body = json::write_ready({ready_version_.load(std::memory_order_relaxed), feed_->last_publish(),
                              static_cast<std::int64_t>(feed_->products()), cache_state, endpoints,
                              cache_read_state()});
  return r;
}

Reply Service::metrics_text() {
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.cache_control = kNoStore;
  r.body = metrics_->render(cache::to_string(cache_->state()), feed_->dataset_version(),
                            {cache_->local_hits(), cache_->local_entries(), cache_->local_bytes(),
                             cache_->page_entries(), cache_->page_bytes()},
                            {feed_->last_publish(), feed_->publishes_applied(),
                             feed_->full_reloads(), feed_->products(), feed_->listening()},
                            read_endpoint_states(), cache_read_state());
  // The database workers (deferred_work.hpp): work handed to them, and how much of it ended in
  // a 503 at the deadline or because the queue was full.
  r.body +=
      "# HELP atelier_db_jobs_in_flight Requests whose database work is queued or running.\n"
      "# TYPE atelier_db_jobs_in_flight gauge\natelier_db_jobs_in_flight " +
      std::to_string(work_->in_flight()) +
      "\n# HELP atelier_db_jobs_timed_out_total Requests answered 503 at the database "
      "deadline.\n# TYPE atelier_db_jobs_timed_out_total counter\n"
      "atelier_db_jobs_timed_out_total " +
      std::to_string(work_->timed_out()) +
      "\n# HELP atelier_db_jobs_rejected_total Requests answered 503 because the database "
      "work queue was full.\n# TYPE atelier_db_jobs_rejected_total counter\n"
      "atelier_db_jobs_rejected_total " +
      std::to_string(work_->rejected()) + "\n";
  // The cart's group commit (docs/CART.md): commits (one statement each, a lone add or a batch),
  // the adds they wrote, the adds waiting for the next one, the largest batch so far.
  const auto carts = cart_adds_->stats();
  r.body +=
      "# HELP atelier_cart_commits_total Cart add commits, one statement each (a lone add or a "
      "batch).\n# TYPE atelier_cart_commits_total counter\natelier_cart_commits_total " +
      std::to_string(carts.batches) +
      "\n# HELP atelier_cart_commit_adds_total Cart adds handed to those commits.\n"
      "# TYPE atelier_cart_commit_adds_total counter\natelier_cart_commit_adds_total " +
      std::to_string(carts.items) +
      "\n# HELP atelier_cart_adds_waiting Cart adds queued for the next commit.\n"
      "# TYPE atelier_cart_adds_waiting gauge\natelier_cart_adds_waiting " +
      std::to_string(carts.waiting) +
      "\n# HELP atelier_cart_commit_largest The most adds one commit held since the start.\n"
      "# TYPE atelier_cart_commit_largest gauge\natelier_cart_commit_largest " +
      std::to_string(carts.largest) + "\n";
  return r;
}

}  // namespace atelier::http
