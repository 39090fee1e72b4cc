#include "metrics/registry.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include "metrics/exposition.hpp"

namespace atelier::metrics {
namespace {

class CallbackCollector final : public Collector {
 public:
  CallbackCollector(std::string name, std::string help, MetricType type,
                    std::vector<std::string> label_names, SampleCallback callback)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        callback_(std::move(callback)) {}

  void render(std::string& out) const override {
    append_family_header(out, name_, help_, type_);
    std::vector<CallbackSample> samples;
    try {
      samples = callback_();
    } catch (const std::exception&) {
      return;  // a failing source (e.g. Redis down) must not break the whole /metrics page
    }
    for (const CallbackSample& sample : samples) {
      if (sample.label_values.size() != label_names_.size()) continue;
      append_sample(out, name_, format_label_pairs(label_names_, sample.label_values),
                    sample.value);
    }
  }

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  SampleCallback callback_;
};

}  // namespace

void Registry::claim_name(const std::string& name, const std::vector<std::string>& label_names,
                          bool is_histogram) {
  if (!is_valid_metric_name(name)) throw std::invalid_argument("invalid metric name: " + name);
  for (const std::string& label : label_names) {
    if (!is_valid_label_name(label) || (is_histogram && label == "le")) {
      throw std::invalid_argument("invalid label name for " + name + ": " + label);
    }
  }
  if (!names_.insert(name).second) {
    throw std::invalid_argument("metric registered twice: " + name);
  }
}

Family<Counter>& Registry::counter_family(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  const std::lock_guard lock(mutex_);
  claim_name(name, label_names, false);
  auto family = std::make_unique<Family<Counter>>(std::move(name), std::move(help),
                                                  std::move(label_names), Counter::Options{});
  Family<Counter>& result = *family;
  collectors_.push_back(std::move(family));
  return result;
}

Family<Gauge>& Registry::gauge_family(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  const std::lock_guard lock(mutex_);
  claim_name(name, label_names, false);
  auto family = std::make_unique<Family<Gauge>>(std::move(name), std::move(help),
                                                std::move(label_names), Gauge::Options{});
  Family<Gauge>& result = *family;
  collectors_.push_back(std::move(family));
  return result;
}

Family<Histogram>& Registry::histogram_family(std::string name, std::string help,
                                              std::vector<std::string> label_names,
                                              std::span<const double> upper_bounds) {
  // Validate the bounds before claiming the name, so a bad call leaves no trace.
  Histogram::Options options{{upper_bounds.begin(), upper_bounds.end()}};
  const Histogram probe(options);
  const std::lock_guard lock(mutex_);
  claim_name(name, label_names, true);
  auto family = std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                    std::move(label_names), std::move(options));
  Family<Histogram>& result = *family;
  collectors_.push_back(std::move(family));
  return result;
}

Counter& Registry::counter(std::string name, std::string help) {
  return counter_family(std::move(name), std::move(help), {}).with_labels({});
}

Gauge& Registry::gauge(std::string name, std::string help) {
  return gauge_family(std::move(name), std::move(help), {}).with_labels({});
}

Histogram& Registry::histogram(std::string name, std::string help,
                               std::span<const double> upper_bounds) {
  return histogram_family(std::move(name), std::move(help), {}, upper_bounds).with_labels({});
}

void Registry::add_callback(std::string name, std::string help, MetricType type,
                            std::vector<std::string> label_names, SampleCallback callback) {
  if (type == MetricType::histogram) {
    throw std::invalid_argument("callback collectors report counters or gauges: " + name);
  }
  if (!callback) throw std::invalid_argument("empty callback for " + name);
  const std::lock_guard lock(mutex_);
  claim_name(name, label_names, false);
  collectors_.push_back(std::make_unique<CallbackCollector>(
      std::move(name), std::move(help), type, std::move(label_names), std::move(callback)));
}

std::string Registry::render() const {
  std::string out;
  out.reserve(16 * 1024);
  const std::lock_guard lock(mutex_);
  for (const auto& collector : collectors_) collector->render(out);
  return out;
}

}  // namespace atelier::metrics
