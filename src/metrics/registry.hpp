// Owns every metric family of a process and renders them for GET /metrics (CONTRACT §1,
// operations endpoints). Created once in main() and passed to whoever records metrics — there is
// no global registry.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/family.hpp"
#include "metrics/histogram.hpp"

namespace atelier::metrics {

// One sample produced by a callback collector at render time.
struct CallbackSample {
  std::vector<std::string> label_values;  // same count as the collector's label names
  double value = 0;
};
using SampleCallback = std::function<std::vector<CallbackSample>()>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registration throws std::invalid_argument for an invalid or already registered metric name,
  // an invalid label name, or (histograms) a label named "le". Families render in registration
  // order. Register at startup; the returned references live as long as the Registry.
  Family<Counter>& counter_family(std::string name, std::string help,
                                  std::vector<std::string> label_names);
  Family<Gauge>& gauge_family(std::string name, std::string help,
                              std::vector<std::string> label_names);
  Family<Histogram>& histogram_family(
      std::string name, std::string help, std::vector<std::string> label_names,
      std::span<const double> upper_bounds = default_latency_buckets());

  // Unlabeled shorthands (a family without labels and its single member).
  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help,
                       std::span<const double> upper_bounds = default_latency_buckets());

  // Values read when /metrics is rendered (e.g. the cache's reachability, dataset version).
  // `type` is counter or gauge. The callback runs under the registry's lock on the rendering
  // thread: it must be quick and must not call back into this Registry. If it throws, the family
  // is rendered without samples and the error is not propagated. Samples whose label count does
  // not match `label_names` are skipped.
  void add_callback(std::string name, std::string help, MetricType type,
                    std::vector<std::string> label_names, SampleCallback callback);

  // The whole exposition text (format 0.0.4); serve with kExpositionContentType.
  std::string render() const;

 private:
  void claim_name(const std::string& name, const std::vector<std::string>& label_names,
                  bool is_histogram);

  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> names_;
  std::vector<std::unique_ptr<Collector>> collectors_;
};

}  // namespace atelier::metrics
