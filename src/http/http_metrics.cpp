#include "http/http_metrics.hpp"

#include "cache/cache.hpp"
#include "metrics/exposition.hpp"
#include "schema/migrations.hpp"
#include "version/version.hpp"

namespace atelier::http {

namespace {

constexpr std::array<std::string_view, 9> kRouteNames = {"not_found",
                                                         "/products",
                                                         "/products/:id",
                                                         "/products/:id/styles",
                                                         "/products/:id/related",
                                                         "/cart",
                                                         "/healthz",
                                                         "/readyz",
                                                         "/metrics"};

std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back(',');
    out.append(name);
    out += "=\"";
    metrics::append_escaped_label_value(out, value);
    out.push_back('"');
  }
  return out;
}

// One counter family with its single sample.
void append_counter(std::string& out, std::string_view name, std::string_view help,
                    std::string_view sample_labels, std::uint64_t value) {
  metrics::append_family_header(out, name, help, metrics::MetricType::counter);
  metrics::append_sample(out, name, sample_labels, static_cast<double>(value));
}

}  // namespace

HttpMetrics::HttpMetrics()
    : db_latency_(metrics::default_latency_buckets()),
      redis_latency_(metrics::default_latency_buckets()) {
  static_assert(kRouteNames.size() == kRoutes);
  for (auto& h : latency_)
    h = std::make_unique<metrics::Histogram>(metrics::default_latency_buckets());
}

void HttpMetrics::observe_request(RouteId route, int status, double seconds) noexcept {
  const auto r = static_cast<std::size_t>(route);
  if (r >= kRoutes) return;
  const auto s = status >= 0 && status < static_cast<int>(kStatuses) ? status : 0;
  requests_[r][static_cast<std::size_t>(s)].inc();
  latency_[r]->observe(seconds);
}

void HttpMetrics::observe_db(double seconds, bool failed) noexcept {
  db_latency_.observe(seconds);
  if (failed) db_errors_.inc();
}

std::string HttpMetrics::render(std::string_view cache_state, std::int64_t dataset_version,
                                const LocalCacheStats& local, const ChangeFeedStats& feed,
                                std::span<const json::ReadEndpointState> read_endpoints,
                                const json::CacheReadState& cache_read) const {
  std::string out;
  out.reserve(16 * 1024);
  metrics::append_family_header(out, "atelier_http_requests_total",
                                "HTTP requests answered, by route and status code.",
                                metrics::MetricType::counter);
  for (std::size_t r = 0; r < kRoutes; ++r) {
    for (std::size_t s = 0; s < kStatuses; ++s) {
      if (requests_[r][s].value() == 0) continue;
      metrics::append_samples(out, "atelier_http_requests_total",
                              labels({{"route", kRouteNames[r]}, {"status", std::to_string(s)}}),
                              requests_[r][s]);
    }
  }
  metrics::append_family_header(out, "atelier_http_request_duration_seconds",
                                "Time from parsed request to reply, by route.",
                                metrics::MetricType::histogram);
  for (std::size_t r = 0; r < kRoutes; ++r) {
    metrics::append_samples(out, "atelier_http_request_duration_seconds",
                            labels({{"route", kRouteNames[r]}}), *latency_[r]);
  }
  metrics::append_family_header(out, "atelier_db_query_duration_seconds",
                                "PostgreSQL round trips made by the endpoints.",
                                metrics::MetricType::histogram);
  metrics::append_samples(out, "atelier_db_query_duration_seconds", "", db_latency_);
  metrics::append_family_header(out, "atelier_db_errors_total",
                                "PostgreSQL calls that failed (down, timeout, query error).",
                                metrics::MetricType::counter);
  metrics::append_samples(out, "atelier_db_errors_total", "", db_errors_);
  metrics::append_family_header(out, "atelier_redis_command_duration_seconds",
                                "Redis round trips made by the cache.",
                                metrics::MetricType::histogram);
  metrics::append_samples(out, "atelier_redis_command_duration_seconds", "", redis_latency_);

  auto counter_line = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    append_counter(out, name, help, "", value);
  };
  if (cache_counters_ != nullptr) {
    const auto& c = *cache_counters_;
    counter_line("atelier_cache_hits_total", "Cache lookups answered from Redis.", c.hits.load());
    counter_line("atelier_cache_misses_total", "Cache lookups that went to PostgreSQL.",
                 c.misses.load());
    counter_line("atelier_cache_errors_total", "Failed Redis calls and malformed cache values.",
                 c.errors.load());
    counter_line("atelier_cache_rejected_total",
                 "Values read from Redis that were malformed or unsafe to send (bad ETag, status "
                 "or gzip body); each was loaded from PostgreSQL instead.",
                 c.rejected.load());
    counter_line("atelier_cache_page_over_budget_total",
                 "List pages answered but not stored in Redis: their budget "
                 "(ATELIER_PAGE_CACHE_REDIS_MB) was spent.",
                 c.over_budget.load());
    counter_line("atelier_cache_skipped_total", "Cache calls skipped while Redis is backed off.",
                 c.skipped.load());
    counter_line("atelier_cache_read_bytes_total", "Bytes read from Redis.", c.bytes_read.load());
    counter_line("atelier_cache_written_bytes_total", "Bytes written to Redis.",
                 c.bytes_written.load());
    counter_line("atelier_cache_single_flight_waits_total",
                 "Requests that waited for another request's database load of the same key.",
                 c.single_flight_waits.load());
  }
  counter_line("atelier_local_cache_hits_total",
               "Lookups answered by the in-process tier (no Redis round trip).", local.hits);
  metrics::append_family_header(out, "atelier_local_cache_entries",
                                "Entries held by the in-process tier.", metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_local_cache_entries", "",
                         static_cast<double>(local.entries));
  metrics::append_family_header(out, "atelier_local_cache_bytes",
                                "Approximate bytes held by the in-process tier.",
                                metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_local_cache_bytes", "", static_cast<double>(local.bytes));
  metrics::append_family_header(out, "atelier_local_page_cache_entries",
                                "List pages held by the in-process tier's page shelf.",
                                metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_local_page_cache_entries", "",
                         static_cast<double>(local.page_entries));
  metrics::append_family_header(
      out, "atelier_local_page_cache_bytes",
      "Approximate bytes of the page shelf (ATELIER_LOCAL_PAGE_CACHE_MB).",
      metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_local_page_cache_bytes", "",
                         static_cast<double>(local.page_bytes));
  metrics::append_family_header(out, "atelier_cache_state",
                                "1 for the cache's current state (up, backoff, disabled).",
                                metrics::MetricType::gauge);
  for (std::string_view state : {"up", "backoff", "disabled"}) {
    metrics::append_sample(out, "atelier_cache_state", labels({{"state", state}}),
                           state == cache_state ? 1.0 : 0.0);
  }
  metrics::append_family_header(out, "atelier_dataset_version",
                                "Catalog dataset version this host reads (0 = unknown).",
                                metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_dataset_version", "", static_cast<double>(dataset_version));
  auto gauge_line = [&](std::string_view name, std::string_view help, double value) {
    metrics::append_family_header(out, name, help, metrics::MetricType::gauge);
    metrics::append_sample(out, name, "", value);
  };
  gauge_line("atelier_catalog_publish", "Newest catalog publish this host applied (0 = none).",
             static_cast<double>(feed.last_publish));
  gauge_line("atelier_catalog_products", "Products in this host's revision table.",
             static_cast<double>(feed.products));
  gauge_line("atelier_catalog_listening",
             "1 while the host LISTENs for catalog publishes (else it only polls).",
             feed.listening ? 1.0 : 0.0);
  counter_line("atelier_catalog_publishes_applied_total",
               "Catalog publishes applied product by product.", feed.publishes_applied);
  counter_line("atelier_catalog_revision_reloads_total",
               "Times the host read every product's revision (start, or a publish too large to "
               "list).",
               feed.full_reloads);
  metrics::append_family_header(
      out, "atelier_build_info",
      "Always 1; the labels say which build this host runs (version: git describe or the "
      "release, commit, schema: the newest schema migration it knows).",
      metrics::MetricType::gauge);
  metrics::append_sample(out, "atelier_build_info",
                         labels({{"version", version::version()},
                                 {"commit", version::commit()},
                                 {"schema", std::to_string(schema::latest_version())}}),
                         1.0);
  if (!read_endpoints.empty()) append_read_endpoints(out, read_endpoints);
  if (!cache_read.endpoint.empty() && cache_counters_ != nullptr) {
    append_cache_read(out, cache_read, *cache_counters_);
  }
  return out;
}

void HttpMetrics::append_read_endpoints(std::string& out,
                                        std::span<const json::ReadEndpointState> endpoints) {
  // Per read endpoint (replicas, then the primary): reachable, replay lag, the one in use.
  std::string up =
      "# HELP atelier_db_read_endpoint_up Read endpoint reachable at the last check.\n"
      "# TYPE atelier_db_read_endpoint_up gauge\n";
  std::string lag =
      "# HELP atelier_db_replica_lag_seconds Replay lag of a read endpoint.\n"
      "# TYPE atelier_db_replica_lag_seconds gauge\n";
  std::string used =
      "# HELP atelier_db_read_endpoint_preferred 1 for the endpoint reads use.\n"
      "# TYPE atelier_db_read_endpoint_preferred gauge\n";
  for (const json::ReadEndpointState& e : endpoints) {
    const std::string label = "{endpoint=\"" + std::string(e.endpoint) + "\"} ";
    up += "atelier_db_read_endpoint_up" + label + (e.state == "up" ? "1\n" : "0\n");
    lag += "atelier_db_replica_lag_seconds" + label + std::to_string(e.lag_seconds) + "\n";
    used += "atelier_db_read_endpoint_preferred" + label + (e.preferred ? "1\n" : "0\n");
  }
  out += up + lag + used;
}

// Where cache reads go, its state, and what it answered. Hits and misses of all lookups stay in
// atelier_cache_hits/misses_total.
void HttpMetrics::append_cache_read(std::string& out, const json::CacheReadState& read,
                                    const cache::CacheCounters& c) {
  const std::string endpoint = labels({{"endpoint", read.endpoint}});
  metrics::append_family_header(out, "atelier_cache_read_endpoint_state",
                                "1 for the state of the Redis node cache reads go to first.",
                                metrics::MetricType::gauge);
  for (std::string_view state : {"up", "backoff"}) {
    metrics::append_sample(out, "atelier_cache_read_endpoint_state",
                           labels({{"endpoint", read.endpoint}, {"state", state}}),
                           state == read.state ? 1.0 : 0.0);
  }
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    append_counter(out, name, help, endpoint, value);
  };
  counter("atelier_cache_replica_reads_total", "GETs the read endpoint answered (hit or miss).",
          c.replica_reads.load());
  counter("atelier_cache_replica_hits_total", "GETs the read endpoint answered with the entry.",
          c.replica_hits.load());
  counter("atelier_cache_replica_failures_total",
          "Failed GETs on the read endpoint (the master answered them).",
          c.replica_failures.load());
  counter("atelier_cache_replica_skipped_total",
          "GETs sent to the master because the read endpoint was backed off.",
          c.replica_skipped.load());
  counter("atelier_cache_master_hits_after_replica_miss_total",
          "Read-endpoint misses the master answered (the replica lagged or was syncing).",
          c.master_hits_after_replica_miss.load());
}

}  // namespace atelier::http
