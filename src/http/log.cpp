#include "http/log.hpp"

#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "json/serialize.hpp"

namespace atelier::http {

void log_event(std::string_view level, std::string_view event,
               std::initializer_list<LogField> fields) noexcept {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // Through json/ (escaping and UTF-8 repair in one place): field values come from the wire
  // (request paths) and from library messages, and neither is guaranteed to be valid UTF-8.
  std::string line;
  try {
    std::vector<LogField> all;
    all.reserve(3 + fields.size());
    const std::string ts = json::format_timestamp(now);
    all.insert(all.end(), {{"ts", ts}, {"level", level}, {"event", event}});
    all.insert(all.end(), fields.begin(), fields.end());
    line = json::write_string_fields(all);
    line.push_back('\n');
  } catch (...) {
    // Out of memory, or called while this thread's JSON writer is busy: logging never throws
    // (it runs in catch blocks of noexcept handlers), so a fixed line stands in.
    line = "{\"level\":\"error\",\"event\":\"log_line_failed\"}\n";
  }
  // A failed log write has nowhere to be reported; the result is deliberately ignored.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace atelier::http
