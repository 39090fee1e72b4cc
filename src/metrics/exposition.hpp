// Prometheus text exposition format 0.0.4: the pure formatting pieces, unit-tested on their own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace atelier::metrics {

// The Content-Type a /metrics response must carry for this format.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name) noexcept;
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool is_valid_label_name(std::string_view name) noexcept;

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
void append_escaped_label_value(std::string& out, std::string_view value);
void append_escaped_help(std::string& out, std::string_view help);

// Sample values: integers as such, doubles in plain decimal where that is short ("0.00005",
// "2.5"), shortest round-trip exponent form otherwise, and NaN / +Inf / -Inf spelled as
// Prometheus expects.
void append_value(std::string& out, double value);
void append_value(std::string& out, std::uint64_t value);

// `name="value",name2="value2"` (no braces) for the given names and values (same length).
std::string format_label_pairs(std::span<const std::string> names,
                               std::span<const std::string> values);

// "# HELP name help\n# TYPE name type\n".
void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          MetricType type);

// The sample lines of one metric; `labels` is the output of format_label_pairs (may be empty).
void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Counter& counter);
void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Gauge& gauge);
void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Histogram& histogram);
// One gauge/counter line with a double value (callback collectors).
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace atelier::metrics
