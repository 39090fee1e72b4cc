// What a load did: per-file counts and timings, every rejected or repaired line, the dataset
// version — and its text forms (the per-file progress line and the final summary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atelier::etl {

struct FileReport {
  std::string file;           // "photos.csv"
  std::int64_t rows = 0;      // rows loaded
  std::int64_t rejected = 0;  // lines rejected
  std::int64_t repaired = 0;  // lines repaired and loaded
  std::int64_t blank = 0;     // blank lines skipped
  std::uint64_t bytes = 0;
  double copy_seconds = 0;   // read + validate + COPY
  double index_seconds = 0;  // keys, indexes, ANALYZE
};

struct RejectRecord {
  std::string file;
  std::int64_t line = 0;  // physical line, header = 1
  std::string reason;
  bool repaired = false;  // action 'repaired' (row loaded) vs 'rejected' (row dropped)
  std::string excerpt;
};

struct LoadReport {
  std::int64_t version = 0;
  std::string schema;
  std::vector<FileReport> files;
  std::vector<RejectRecord> rejects;
  std::vector<std::int64_t> dropped_versions;
  // Products whose bodies this publish changed (revision differs), added and deleted, against the
  // dataset it replaced; a first load counts every product as added.
  std::int64_t changed = 0;
  std::int64_t added = 0;
  std::int64_t deleted = 0;
  double seconds = 0;
  std::int64_t database_bytes = 0;

  std::int64_t total_rows() const;
};

// `file=photos.csv rows=... rejected=... repaired=... seconds=... rows_per_s=...` (pipe mode).
std::string format_file_line(const FileReport& file);
// Multi-line human summary: totals, per-file table, rejects by file and reason, version, size.
std::string format_summary(const LoadReport& report);
// "1.23 GB", "512.0 MB"
std::string format_bytes(std::int64_t bytes);

}  // namespace atelier::etl
