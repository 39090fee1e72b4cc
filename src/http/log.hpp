// One JSON object per line on stderr, one line per event (machine-readable, no per-request lines
// unless ATELIER_LOG_REQUESTS=1). Each line is written with a single write(2), so lines from
// different threads never interleave.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace atelier::http {

using LogField = std::pair<std::string_view, std::string_view>;

void log_event(std::string_view level, std::string_view event,
               std::initializer_list<LogField> fields = {}) noexcept;

}  // namespace atelier::http
