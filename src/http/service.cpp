#include "http/service.hpp"

#include <exception>

#include "http/log.hpp"
#include "json/serialize.hpp"

namespace atelier::http {

namespace {

constexpr std::string_view kProductCacheControl = "public, max-age=60";
constexpr std::string_view kNoStore = "no-store";

std::string not_found_message(std::int64_t id) {
  return "No product with id " + std::to_string(id) + ".";
}

// Replicas from ATELIER_READ_DATABASE_URLS, then the primary as the last fall-back.
std::shared_ptr<catalog::ReadEndpoints> make_read_endpoints(const config::Config& config) {
  if (config.read_database_urls.empty()) return nullptr;
  std::vector<std::string> conninfos;
  std::vector<std::string> labels;
  for (const std::string& url : config.read_database_urls) {
    conninfos.push_back(config::postgres_conninfo(config, url, "atelier-api"));
    labels.push_back(catalog::endpoint_label(url));
  }
  conninfos.push_back(config::postgres_conninfo(config, "atelier-api"));
  labels.push_back(catalog::endpoint_label(config.database_url));
  return std::make_shared<catalog::ReadEndpoints>(std::move(conninfos), std::move(labels),
                                                  config.replica_max_lag,
                                                  config.replica_check_interval);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Service::Service(config::Config config)
    : config_(std::move(config)),
      conninfo_(config::postgres_conninfo(config_, "atelier-api")),
      read_endpoints_(make_read_endpoints(config_)),
      metrics_(std::make_unique<HttpMetrics>()),
      version_(std::make_unique<catalog::DatasetVersionWatcher>(conninfo_,
                                                                config_.version_poll_interval)),
      cache_(std::make_unique<ResponseCache>(config_, *metrics_)) {}

Service::~Service() = default;

catalog::CatalogReader& Service::reader() {
  // Keyed by owner so that a second Service in the same process (tests) never reuses a reader
  // configured for another database.
  thread_local const Service* owner = nullptr;
  thread_local std::unique_ptr<catalog::CatalogReader> local;
  if (!local || owner != this) {
    local = read_endpoints_ ? std::make_unique<catalog::CatalogReader>(read_endpoints_)
                            : std::make_unique<catalog::CatalogReader>(conninfo_);
    owner = this;
  }
  return *local;
}

catalog::CatalogReader& Service::cart_reader() {
  if (!read_endpoints_) return reader();
  thread_local const Service* owner = nullptr;
  thread_local std::unique_ptr<catalog::CatalogReader> local;
  if (!local || owner != this) {
    local = std::make_unique<catalog::CatalogReader>(conninfo_);
    owner = this;
  }
  return *local;
}

// [{"endpoint":"10.0.0.5:5432","state":"up","replica":true,"lag_seconds":0.0,"preferred":true},..]
std::string Service::replicas_json() const {
  std::string out = "[";
  const auto health = read_endpoints_->health();
  const std::size_t preferred = read_endpoints_->preferred();
  for (std::size_t i = 0; i < health.size(); ++i) {
    const auto& h = health[i];
    if (i != 0) out += ',';
    out += "{\"endpoint\":\"" + read_endpoints_->label(i) + "\",\"state\":\"" +
           (!h.checked    ? "unknown"
            : h.reachable ? "up"
                          : "down") +
           "\",\"replica\":" + (h.in_recovery ? "true" : "false") +
           ",\"lag_seconds\":" + std::to_string(h.lag_seconds) +
           ",\"preferred\":" + (i == preferred ? "true" : "false") + "}";
  }
  return out + "]";
}

void Service::note_database(bool reachable) {
  const bool down = !reachable;
  if (database_down_.load(std::memory_order_relaxed) == down) return;
  if (database_down_.exchange(down) == down) return;  // another thread logged it
  log_event(reachable ? "info" : "error",
            reachable ? "database_available" : "database_unavailable");
}

void Service::note_cache_state() {
  const std::string_view state = cache_->state();
  const int index = state == "up" ? 0 : state == "backoff" ? 1 : 2;
  int seen = cache_state_seen_.load(std::memory_order_relaxed);
  if (seen == index) return;
  if (!cache_state_seen_.compare_exchange_strong(seen, index)) return;  // another thread logged it
  log_event(index == 1 ? "warn" : "info", "cache_state", {{"state", state}});
}

Reply Service::handle(const RequestView& request) noexcept {
  const auto start = std::chrono::steady_clock::now();
  const RouteId route = match_route(request.path).route;
  Reply reply;
  try {
    reply = dispatch(request);
  } catch (const std::exception& e) {
    log_event("error", "handler_exception", {{"path", request.path}, {"what", e.what()}});
    reply = json_error(500, "The service failed while answering; try again.");
  } catch (...) {
    log_event("error", "handler_exception", {{"path", request.path}});
    reply = json_error(500, "The service failed while answering; try again.");
  }
  metrics_->observe_request(route, reply.status, seconds_since(start));
  note_cache_state();
  return reply;
}

Reply Service::dispatch(const RequestView& request) {
  const RouteMatch match = match_route(request.path);
  if (match.route == RouteId::not_found) {
    return json_error(404, "No such endpoint; see the API reference for the available paths.");
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
      return product_list(request);
    case RouteId::product:
    case RouteId::product_styles:
    case RouteId::product_related:
      return product_resource(match.route, request, match.product_id);
    case RouteId::cart:
      return request.method == Method::post ? cart_post(request) : cart_get(request);
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

Reply Service::from_cached(CachedReply entry, const RequestView& request) const {
  Reply r;
  r.status = entry.status;
  if (entry.status == 200) {
    r.cache_control = kProductCacheControl;
    r.etag = std::move(entry.etag);
    if (request.if_none_match && !r.etag.empty() &&
        if_none_match_matches(*request.if_none_match, r.etag)) {
      r.status = 304;
      r.no_body = true;
      return r;
    }
  } else if (entry.status == 503) {
    r.retry_after_seconds = 1;
  }
  r.body = std::move(entry.body);
  return r;
}

Reply Service::database_error(const catalog::Error& error, std::string_view what) {
  metrics_->observe_db_error();
  if (error.kind != catalog::ErrorKind::query) note_database(false);
  if (error.kind == catalog::ErrorKind::query) {
    log_event("error", "database_query_failed", {{"what", what}, {"detail", error.detail}});
    return json_error(500, "The service failed to read the catalog; try again later.");
  }
  Reply r = json_error(503, error.kind == catalog::ErrorKind::timeout
                                ? "The catalog database is too slow right now; retry shortly."
                                : "The catalog database is unavailable; retry shortly.");
  r.retry_after_seconds = 1;
  return r;
}

namespace {

CachedReply error_entry(int status, std::string_view message) {
  CachedReply e;
  e.status = status;
  e.body = json::write_error(message);
  return e;
}

CachedReply ok_entry(std::string body) {
  CachedReply e;
  e.status = 200;
  e.etag = json::etag_for(body);
  e.body = std::move(body);
  return e;
}

CachedReply failure_entry(const catalog::Error& error) {
  if (error.kind == catalog::ErrorKind::query) {
    return error_entry(500, "The service failed to read the catalog; try again later.");
  }
  return error_entry(503, error.kind == catalog::ErrorKind::timeout
                              ? "The catalog database is too slow right now; retry shortly."
                              : "The catalog database is unavailable; retry shortly.");
}

}  // namespace

CachedReply Service::load_product_resource(RouteId route, std::int64_t id) {
  const auto start = std::chrono::steady_clock::now();
  auto& db = reader();
  std::int64_t version = 0;
  std::optional<CachedReply> entry;
  std::optional<catalog::Error> failure;
  auto finish = [&](auto&& result, auto&& serialize) {
    if (!result.ok()) {
      failure = result.error();
      return;
    }
    version = result.value().version;
    if (!result.value().value) {
      entry = error_entry(404, not_found_message(id));
    } else {
      entry = ok_entry(serialize(*result.value().value));
    }
  };
  switch (route) {
    case RouteId::product:
      finish(db.product_detail(id), [&](const model::ProductDetail& d) {
        return json::write_product_detail(d, config_.campus);
      });
      break;
    case RouteId::product_styles:
      finish(db.product_styles(id),
             [](const model::ProductStyles& s) { return json::write_styles(s); });
      break;
    default:
      finish(db.related(id),
             [](const std::vector<std::int64_t>& ids) { return json::write_related(ids); });
      break;
  }
  metrics_->observe_db(seconds_since(start), failure.has_value());
  note_database(!failure || failure->kind == catalog::ErrorKind::query);
  if (failure) {
    if (failure->kind == catalog::ErrorKind::query) {
      log_event("error", "database_query_failed", {{"detail", failure->detail}});
    }
    return failure_entry(*failure);
  }
  version_->observe(version);
  entry->version = version;
  return std::move(*entry);
}

Reply Service::product_resource(RouteId route, const RequestView& request,
                                std::string_view raw_id) {
  auto parsed = parse_product_id(raw_id);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) return json_error(400, bad->message);
  const std::int64_t id = std::get<std::int64_t>(parsed);
  const CacheSlot slot = route == RouteId::product          ? CacheSlot::product
                         : route == RouteId::product_styles ? CacheSlot::styles
                                                            : CacheSlot::related;
  CachedReply entry = cache_->fetch(slot, version_->version(), id, 0,
                                    [&] { return load_product_resource(route, id); });
  return from_cached(std::move(entry), request);
}

CachedReply Service::load_product_page(const PageRequest& page) {
  const auto start = std::chrono::steady_clock::now();
  auto ranks = page.ranks();
  if (!ranks) {
    // The page starts past any possible rank: an empty page, from any dataset.
    CachedReply e = ok_entry("[]");
    e.version = version_->version();
    return e;
  }
  auto result = reader().product_page(ranks->first, ranks->second);
  metrics_->observe_db(seconds_since(start), !result.ok());
  note_database(result.ok() || result.error().kind == catalog::ErrorKind::query);
  if (!result.ok()) return failure_entry(result.error());
  version_->observe(result.value().version);
  CachedReply e = ok_entry(json::write_product_list(result.value().value, config_.campus));
  e.version = result.value().version;
  return e;
}

Reply Service::product_list(const RequestView& request) {
  auto parsed = parse_page_request(request.page, request.count, config_.max_page_count);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) return json_error(400, bad->message);
  const PageRequest page = std::get<PageRequest>(parsed);
  CachedReply entry = cache_->fetch(CacheSlot::products, version_->version(), page.page, page.count,
                                    [&] { return load_product_page(page); });
  return from_cached(std::move(entry), request);
}

Reply Service::cart_get(const RequestView& request) {
  Reply r;
  r.cache_control = kNoStore;
  auto session = session_from(request.authorization, request.cookie);
  if (!session) {
    r.body = "[]";
    return r;
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = cart_reader().cart(*session);
  metrics_->observe_db(seconds_since(start), !result.ok());
  if (!result.ok()) return database_error(result.error(), "cart_get");
  r.body = json::write_cart(result.value());
  return r;
}

Reply Service::cart_post(const RequestView& request) {
  auto parsed = parse_cart_body(request.body);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) {
    Reply r = json_error(400, bad->message);
    r.cache_control = kNoStore;
    return r;
  }
  const std::int64_t sku_id = std::get<std::int64_t>(parsed);
  auto session = session_from(request.authorization, request.cookie);
  std::string new_session;
  if (!session) {
    new_session = new_session_id();
    session = new_session;
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = cart_reader().add_to_cart(*session, sku_id);
  metrics_->observe_db(seconds_since(start), !result.ok());
  if (!result.ok()) {
    Reply r = database_error(result.error(), "cart_post");
    r.cache_control = kNoStore;
    return r;
  }
  if (result.value() == catalog::CartAdd::unknown_sku) {
    Reply r = json_error(422, "No sku with id " + std::to_string(sku_id) + ".");
    r.cache_control = kNoStore;
    return r;
  }
  Reply r;
  r.status = 201;
  r.body = "Created";
  r.content_type = "text/plain; charset=utf-8";
  r.cache_control = kNoStore;
  if (!new_session.empty()) {
    r.set_cookie = "session=" + new_session + "; Path=/; HttpOnly; SameSite=Lax";
  }
  return r;
}

Reply Service::readyz() {
  Reply r;
  r.cache_control = kNoStore;
  auto version = reader().dataset_version();
  const std::string cache_state{cache_->state()};
  if (!version.ok()) {
    r.status = 503;
    r.retry_after_seconds = 1;
    const bool not_loaded =
        version.error().detail.find("catalog not loaded") != std::string::npos ||
        version.error().detail.find("no active dataset") != std::string::npos;
    r.body =
        std::string("{\"error\":\"") +
        (not_loaded ? "The catalog is not loaded yet." : "The catalog database is unavailable.") +
        "\",\"database\":\"" + (not_loaded ? "not_loaded" : "down") + "\",\"cache\":\"" +
        cache_state + "\"" + (read_endpoints_ ? ",\"read_endpoints\":" + replicas_json() : "") +
        "}";
    return r;
  }
  r.body = "{\"status\":\"ready\",\"database\":\"up\",\"dataset_version\":" +
           std::to_string(version.value()) + ",\"cache\":\"" + cache_state + "\"" +
           (read_endpoints_ ? ",\"read_endpoints\":" + replicas_json() : "") + "}";
  return r;
}

Reply Service::metrics_text() {
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.cache_control = kNoStore;
  r.body = metrics_->render(cache_->state(), version_->version(),
                            {cache_->local_hits(), cache_->local_entries(), cache_->local_bytes()});
  if (read_endpoints_) {
    // Per read endpoint (replicas, then the primary): reachable, replay lag, the one in use.
    const auto health = read_endpoints_->health();
    const std::size_t preferred = read_endpoints_->preferred();
    std::string up =
        "# HELP atelier_db_read_endpoint_up Read endpoint reachable at the last check.\n"
        "# TYPE atelier_db_read_endpoint_up gauge\n";
    std::string lag =
        "# HELP atelier_db_replica_lag_seconds Replay lag of a read endpoint.\n"
        "# TYPE atelier_db_replica_lag_seconds gauge\n";
    std::string used =
        "# HELP atelier_db_read_endpoint_preferred 1 for the endpoint reads use.\n"
        "# TYPE atelier_db_read_endpoint_preferred gauge\n";
    for (std::size_t i = 0; i < health.size(); ++i) {
      const std::string label = "{endpoint=\"" + read_endpoints_->label(i) + "\"} ";
      up += "atelier_db_read_endpoint_up" + label + (health[i].reachable ? "1\n" : "0\n");
      lag +=
          "atelier_db_replica_lag_seconds" + label + std::to_string(health[i].lag_seconds) + "\n";
      used += "atelier_db_read_endpoint_preferred" + label + (i == preferred ? "1\n" : "0\n");
    }
    r.body += up + lag + used;
  }
  return r;
}

}  // namespace atelier::http
