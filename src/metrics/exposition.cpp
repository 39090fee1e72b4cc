#include "metrics/exposition.hpp"

#include <charconv>
#include <cmath>

namespace atelier::metrics {
namespace {

bool is_name_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

std::string_view type_name(MetricType type) noexcept {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

// name{labels} or name{labels,extra} or name{extra} or name
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view labels, std::string_view extra_label = {}) {
  out.append(name);
  out.append(suffix);
  if (labels.empty() && extra_label.empty()) return;
  out.push_back('{');
  out.append(labels);
  if (!labels.empty() && !extra_label.empty()) out.push_back(',');
  out.append(extra_label);
  out.push_back('}');
}

}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':')) return false;
  for (const char c : name) {
    if (!(is_name_start(c) || is_digit(c) || c == ':')) return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !is_name_start(name[0]) || name.starts_with("__")) return false;
  for (const char c : name) {
    if (!(is_name_start(c) || is_digit(c))) return false;
  }
  return true;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buffer[400];  // fixed notation of values below 1e15 needs at most ~40 chars
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  const auto result =
      plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_value(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

std::string format_label_pairs(std::span<const std::string> names,
                               std::span<const std::string> values) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i > 0) text.push_back(',');
    text.append(names[i]);
    text.append("=\"");
    append_escaped_label_value(text, values[i]);
    text.push_back('"');
  }
  return text;
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          MetricType type) {
  out.append("# HELP ");
  out.append(name);
  out.push_back(' ');
  append_escaped_help(out, help);
  out.append("\n# TYPE ");
  out.append(name);
  out.push_back(' ');
  out.append(type_name(type));
  out.push_back('\n');
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Counter& counter) {
  append_series(out, name, "", labels);
  out.push_back(' ');
  append_value(out, counter.value());
  out.push_back('\n');
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Gauge& gauge) {
  append_sample(out, name, labels, gauge.value());
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  append_series(out, name, "", labels);
  out.push_back(' ');
  append_value(out, value);
  out.push_back('\n');
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Histogram& histogram) {
  const HistogramSnapshot snapshot = histogram.snapshot();
  std::string le;
  for (std::size_t i = 0; i <= snapshot.upper_bounds.size(); ++i) {
    le.assign("le=\"");
    if (i < snapshot.upper_bounds.size()) {
      append_value(le, snapshot.upper_bounds[i]);
    } else {
      le.append("+Inf");
    }
    le.push_back('"');
    append_series(out, name, "_bucket", labels, le);
    out.push_back(' ');
    append_value(out, snapshot.cumulative_counts[i]);
    out.push_back('\n');
  }
  append_series(out, name, "_sum", labels);
  out.push_back(' ');
  append_value(out, snapshot.sum);
  out.push_back('\n');
  append_series(out, name, "_count", labels);
  out.push_back(' ');
  append_value(out, snapshot.count);
  out.push_back('\n');
}

}  // namespace atelier::metrics
