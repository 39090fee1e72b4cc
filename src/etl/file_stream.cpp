#include "etl/file_stream.hpp"

#include <string>

#include "etl/csv_line.hpp"
#include "etl/line_file.hpp"
#include "etl/loader.hpp"

namespace atelier::etl {

namespace {

// COPY data is sent in batches of about this size: large enough that the per-call cost of
// PQputCopyData disappears, small enough to keep both processes busy (pipelining via the socket).
constexpr std::size_t kCopyBatchBytes = std::size_t{1} << 20;

}  // namespace

std::string_view strip_bom(std::string_view line) {
  if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  return strip_line_end(line);
}

// Reads one file line by line, validates each line with `encoder` and hands COPY text to `sink`
// in ~1 MiB batches (sink may be empty: the pre-scan only wants the encoder's accepted ids).
StreamResult stream_file(const FileSpec& spec, const std::filesystem::path& path,
                         RowEncoder& encoder, const StreamHooks& hooks) {
  const auto& sink = hooks.sink;
  FileProgress* progress = hooks.progress;
  const std::atomic<bool>* cancel = hooks.cancel;
  ProductDigests* digests = hooks.digests;
  StreamResult result;
  result.report.file = std::string(spec.file_name);
  LineFile file(path);
  result.report.bytes = file.size_bytes();
  std::string_view line;
  if (!file.next(line) || strip_bom(line) != spec.header) {
    throw LoadError(std::string(spec.file_name) + ": header changed while loading");
  }
  std::string batch;
  batch.reserve(kCopyBatchBytes + (std::size_t{64} << 10));
  CsvRecord record;
  std::int64_t line_number = 1;
  std::int64_t rows = 0;
  const auto flush = [&] {
    if (sink) sink(batch);
    batch.clear();
    if (progress != nullptr) {
      progress->bytes.store(file.bytes_consumed(), std::memory_order_relaxed);
      progress->rows.store(rows, std::memory_order_relaxed);
    }
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      throw LoadError("cancelled because another file failed");
    }
  };
  while (file.next(line)) {
    ++line_number;
    if (strip_line_end(line).empty()) {
      ++result.report.blank;
      continue;
    }
    RowOutcome outcome{false, "invalid UTF-8 or NUL byte"};
    if (is_clean_utf8(line)) {
      parse_csv_line(line, record);
      const std::string_view veto = hooks.veto ? hooks.veto(record) : std::string_view{};
      outcome = veto.empty() ? encoder.encode(record, line_number, batch) : RowOutcome{false, veto};
    }
    if (!outcome.accepted) {
      ++result.report.rejected;
      result.rejects.push_back(RejectRecord{std::string(spec.file_name), line_number,
                                            std::string(outcome.reason), false, excerpt_of(line)});
    } else {
      ++rows;
      if (digests != nullptr && encoder.last_product()) {
        digests->add(*encoder.last_product(), encoder.last_row_hash());
      }
      if (hooks.products != nullptr && encoder.last_product()) {
        hooks.products->push_back(*encoder.last_product());
      }
      if (record.repaired_unterminated_quote) {
        ++result.report.repaired;
        result.rejects.push_back(RejectRecord{std::string(spec.file_name), line_number,
                                              "unterminated quote closed at end of line", true,
                                              excerpt_of(line)});
      }
    }
    if (batch.size() >= kCopyBatchBytes) flush();
  }
  flush();
  result.report.rows = rows;
  return result;
}

}  // namespace atelier::etl
