// A labeled metric family: one metric per distinct tuple of label values.
#pragma once

#include <initializer_list>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/exposition.hpp"
#include "metrics/histogram.hpp"

namespace atelier::metrics {

// Something the Registry renders into the exposition text.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual void render(std::string& out) const = 0;
};

// Metric is Counter, Gauge or Histogram. with_labels() takes a mutex and may allocate: resolve
// each label tuple once (at startup or first use) and keep the returned reference — it stays
// valid for the family's lifetime (children live in std::map nodes, which never move and are never
// erased). Updating the metric through that reference is lock-free.
template <typename Metric>
class Family final : public Collector {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         typename Metric::Options options)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        options_(std::move(options)) {}
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // Throws std::invalid_argument when the number of values differs from the label names.
  Metric& with_labels(std::span<const std::string_view> values) {
    if (values.size() != label_names_.size()) {
      throw std::invalid_argument("metric " + name_ + " expects " +
                                  std::to_string(label_names_.size()) + " label values");
    }
    std::vector<std::string> key(values.begin(), values.end());
    const std::lock_guard lock(mutex_);
    auto found = children_.find(key);
    if (found == children_.end()) {
      std::string label_text = format_label_pairs(label_names_, key);
      found = children_.try_emplace(std::move(key), std::move(label_text), options_).first;
    }
    return found->second.metric;
  }
  Metric& with_labels(std::initializer_list<std::string_view> values) {
    return with_labels(std::span<const std::string_view>(values.begin(), values.size()));
  }

  const std::string& name() const noexcept { return name_; }

  // HELP/TYPE, then the children ordered by their label values (stable output for diffs/tests).
  void render(std::string& out) const override {
    append_family_header(out, name_, help_, Metric::kType);
    const std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) {
      append_samples(out, name_, child.label_text, child.metric);
    }
  }

 private:
  struct Child {
    Child(std::string text, const typename Metric::Options& options)
        : label_text(std::move(text)), metric(options) {}
    std::string label_text;  // escaped once at creation, reused by every render
    Metric metric;
  };

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const typename Metric::Options options_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, Child> children_;
};

}  // namespace atelier::metrics
