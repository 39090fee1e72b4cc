// Registry rendering (src/metrics/registry.cpp, family.hpp, exposition.cpp), exact text.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "metrics/registry.hpp"

namespace atelier::metrics {
namespace {

TEST(Registry, RendersSmallRegistryExactly) {
  Registry registry;
  auto& requests = registry.counter_family("atelier_http_requests_total", "HTTP requests by route.",
                                           {"route", "status"});
  const double bounds[] = {0.001, 0.01, 0.1};
  auto& latency = registry.histogram_family("atelier_http_request_duration_seconds",
                                            "Request latency.", {"route"}, bounds);
  Gauge& in_flight = registry.gauge("atelier_http_in_flight", "Requests being served.");
  registry.add_callback("atelier_cache_up", "1 when Redis answers.", MetricType::gauge, {"cache"},
                        [] {
                          return std::vector<CallbackSample>{{{"redis"}, 1.0}};
                        });

  requests.with_labels({"/products/:id", "200"}).inc(3);
  requests.with_labels({"/products", "400"}).inc();
  Histogram& product_latency = latency.with_labels({"/products/:id"});
  product_latency.observe(0.0005);
  product_latency.observe(0.01);  // on a boundary: counts in le="0.01"
  product_latency.observe(0.25);  // above every bound: +Inf only
  in_flight.set(2);

  EXPECT_EQ(registry.render(),
            "# HELP atelier_http_requests_total HTTP requests by route.\n"
            "# TYPE atelier_http_requests_total counter\n"
            "atelier_http_requests_total{route=\"/products\",status=\"400\"} 1\n"
            "atelier_http_requests_total{route=\"/products/:id\",status=\"200\"} 3\n"
            "# HELP atelier_http_request_duration_seconds Request latency.\n"
            "# TYPE atelier_http_request_duration_seconds histogram\n"
            "atelier_http_request_duration_seconds_bucket{route=\"/products/:id\",le=\"0.001\"} 1\n"
            "atelier_http_request_duration_seconds_bucket{route=\"/products/:id\",le=\"0.01\"} 2\n"
            "atelier_http_request_duration_seconds_bucket{route=\"/products/:id\",le=\"0.1\"} 2\n"
            "atelier_http_request_duration_seconds_bucket{route=\"/products/:id\",le=\"+Inf\"} 3\n"
            "atelier_http_request_duration_seconds_sum{route=\"/products/:id\"} 0.2605\n"
            "atelier_http_request_duration_seconds_count{route=\"/products/:id\"} 3\n"
            "# HELP atelier_http_in_flight Requests being served.\n"
            "# TYPE atelier_http_in_flight gauge\n"
            "atelier_http_in_flight 2\n"
            "# HELP atelier_cache_up 1 when Redis answers.\n"
            "# TYPE atelier_cache_up gauge\n"
            "atelier_cache_up{cache=\"redis\"} 1\n");
}

TEST(Registry, UnlabeledHistogramAndEmptyFamily) {
  Registry registry;
  const double bounds[] = {0.5};
  Histogram& h = registry.histogram("atelier_db_query_seconds", "DB latency.", bounds);
  registry.counter_family("atelier_db_errors_total", "DB errors.", {"kind"});
  h.observe(0.5);
  EXPECT_EQ(registry.render(),
            "# HELP atelier_db_query_seconds DB latency.\n"
            "# TYPE atelier_db_query_seconds histogram\n"
            "atelier_db_query_seconds_bucket{le=\"0.5\"} 1\n"
            "atelier_db_query_seconds_bucket{le=\"+Inf\"} 1\n"
            "atelier_db_query_seconds_sum 0.5\n"
            "atelier_db_query_seconds_count 1\n"
            "# HELP atelier_db_errors_total DB errors.\n"
            "# TYPE atelier_db_errors_total counter\n");
}

TEST(Registry, EscapesLabelValuesAndHelp) {
  Registry registry;
  auto& family = registry.counter_family("c_total", "line one\nback\\slash \"quoted\"", {"path"});
  family.with_labels({"a\"b\\c\nd"}).inc();
  EXPECT_EQ(registry.render(),
            "# HELP c_total line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE c_total counter\n"
            "c_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Registry, SameLabelsReturnSameMetric) {
  Registry registry;
  auto& family = registry.counter_family("hits_total", "Hits.", {"route"});
  Counter& first = family.with_labels({"/a"});
  family.with_labels({"/b"});
  for (int i = 0; i < 100; ++i) family.with_labels({std::to_string(i)});
  Counter& again = family.with_labels({"/a"});
  EXPECT_EQ(&first, &again);
}

TEST(Registry, RejectsBadRegistrations) {
  Registry registry;
  registry.counter("ok_total", "fine");
  EXPECT_THROW(registry.counter("ok_total", "twice"), std::invalid_argument);
  EXPECT_THROW(registry.counter("1bad", "digit first"), std::invalid_argument);
  EXPECT_THROW(registry.counter("has-dash", "dash"), std::invalid_argument);
  EXPECT_THROW(registry.counter_family("x_total", "h", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram_family("h_seconds", "h", {"le"}), std::invalid_argument);
  const double unsorted[] = {0.1, 0.01};
  EXPECT_THROW(registry.histogram("u_seconds", "h", unsorted), std::invalid_argument);
  // A rejected histogram did not take its name.
  EXPECT_NO_THROW(registry.histogram("u_seconds", "h"));
  EXPECT_THROW(registry.add_callback("cb", "h", MetricType::histogram, {},
                                     [] { return std::vector<CallbackSample>{}; }),
               std::invalid_argument);
  auto& family = registry.counter_family("two_total", "h", {"a", "b"});
  EXPECT_THROW(family.with_labels({"only one"}), std::invalid_argument);
}

TEST(Registry, FailingOrMismatchedCallbackDoesNotBreakRender) {
  Registry registry;
  registry.add_callback("broken", "Throws.", MetricType::gauge, {},
                        []() -> std::vector<CallbackSample> { throw std::runtime_error("down"); });
  registry.add_callback("mismatch", "Wrong label count.", MetricType::counter, {"a"}, [] {
    return std::vector<CallbackSample>{{{}, 1.0}, {{"x"}, 7.0}};
  });
  EXPECT_EQ(registry.render(),
            "# HELP broken Throws.\n# TYPE broken gauge\n"
            "# HELP mismatch Wrong label count.\n# TYPE mismatch counter\n"
            "mismatch{a=\"x\"} 7\n");
}

TEST(Registry, CallbackIsReadAtRenderTime) {
  Registry registry;
  int entries = 1;
  registry.add_callback("cache_entries", "Entries.", MetricType::gauge, {}, [&entries] {
    return std::vector<CallbackSample>{{{}, double(entries)}};
  });
  EXPECT_NE(registry.render().find("cache_entries 1\n"), std::string::npos);
  entries = 42;
  EXPECT_NE(registry.render().find("cache_entries 42\n"), std::string::npos);
}

}  // namespace
}  // namespace atelier::metrics
