#include "etl/load_report.hpp"

#include <cstdio>
#include <map>
#include <tuple>

namespace atelier::etl {

namespace {

std::string printf_string(const char* format, auto... args) {
  char buffer[512];
  const int n = std::snprintf(buffer, sizeof buffer, format, args...);
  return std::string(buffer, n < 0 ? 0 : std::min<std::size_t>(n, sizeof buffer - 1));
}

double rate(std::int64_t rows, double seconds) {
  return seconds > 0 ? static_cast<double>(rows) / seconds : 0.0;
}

}  // namespace

std::int64_t LoadReport::total_rows() const {
  std::int64_t total = 0;
  for (const auto& f : files) total += f.rows;
  return total;
}

std::string format_file_line(const FileReport& f) {
  const double seconds = f.copy_seconds + f.index_seconds;
  return printf_string(
      "file=%s rows=%lld rejected=%lld repaired=%lld blank=%lld seconds=%.1f copy_seconds=%.1f "
      "index_seconds=%.1f rows_per_s=%.0f",
      f.file.c_str(), static_cast<long long>(f.rows), static_cast<long long>(f.rejected),
      static_cast<long long>(f.repaired), static_cast<long long>(f.blank), seconds, f.copy_seconds,
      f.index_seconds, rate(f.rows, seconds));
}

std::string format_bytes(std::int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1e9) return printf_string("%.2f GB", b / 1e9);
  if (b >= 1e6) return printf_string("%.1f MB", b / 1e6);
  return printf_string("%.0f kB", b / 1e3);
}

std::string format_summary(const LoadReport& report) {
  std::string out;
  out += printf_string("dataset version %lld (%s) is active\n",
                       static_cast<long long>(report.version), report.schema.c_str());
  out += printf_string("products changed=%lld added=%lld deleted=%lld\n",
                       static_cast<long long>(report.changed), static_cast<long long>(report.added),
                       static_cast<long long>(report.deleted));
  out += printf_string("%-14s %12s %9s %9s %7s %9s %9s %11s\n", "file", "rows", "rejected",
                       "repaired", "blank", "copy_s", "index_s", "rows/s");
  for (const auto& f : report.files) {
    out += printf_string("%-14s %12lld %9lld %9lld %7lld %9.1f %9.1f %11.0f\n", f.file.c_str(),
                         static_cast<long long>(f.rows), static_cast<long long>(f.rejected),
                         static_cast<long long>(f.repaired), static_cast<long long>(f.blank),
                         f.copy_seconds, f.index_seconds,
                         rate(f.rows, f.copy_seconds + f.index_seconds));
  }
  out += printf_string("total: %lld rows in %.1f s (%.0f rows/s)\n",
                       static_cast<long long>(report.total_rows()), report.seconds,
                       rate(report.total_rows(), report.seconds));
  std::map<std::tuple<std::string, std::string, bool>, std::int64_t> by_reason;
  for (const auto& r : report.rejects) ++by_reason[{r.file, r.reason, r.repaired}];
  if (by_reason.empty()) {
    out += "rejects: none\n";
  } else {
    out += "rejects and repairs by file and reason (details in atelier.rejects):\n";
    for (const auto& [key, count] : by_reason) {
      const auto& [file, reason, repaired] = key;
      out += printf_string("  %-14s %-9s %-40s %lld\n", file.c_str(),
                           repaired ? "repaired" : "rejected", reason.c_str(),
                           static_cast<long long>(count));
    }
  }
  for (const auto v : report.dropped_versions) {
    out += printf_string("dropped old dataset version %lld\n", static_cast<long long>(v));
  }
  out += "database size: " + format_bytes(report.database_bytes) + "\n";
  return out;
}

}  // namespace atelier::etl
