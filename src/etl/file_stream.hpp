// Streaming one catalog file through its RowEncoder: the loader's and the partial update's
// shared reading loop (one physical line = one record, CONTRACT §4 dirt 1).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "etl/catalog_files.hpp"
#include "etl/load_report.hpp"
#include "etl/revision.hpp"

namespace atelier::etl {

std::string_view strip_bom(std::string_view line);

// Progress of one file, written by its worker, read by the progress printer.
struct FileProgress {
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::int64_t> rows{0};
  std::atomic<int> phase{0};  // 0 waiting, 1 copying, 2 indexing, 3 done
};

struct StreamResult {
  FileReport report;
  std::vector<RejectRecord> rejects;
};

// Optional parts of a stream (all may be empty / null).
struct StreamHooks {
  std::function<void(std::string_view)> sink;  // receives COPY text in ~1 MiB batches
  FileProgress* progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;      // set: the stream stops with a LoadError
  ProductDigests* digests = nullptr;              // accepted rows' hashes, per product
  std::vector<std::int64_t>* products = nullptr;  // the product of every accepted row
  // Rejects a parsed line before the encoder sees it: a reason, or empty to let it through.
  std::function<std::string_view(const CsvRecord&)> veto;
};

// Reads one file line by line, validates each line with `encoder` and hands COPY text to
// hooks.sink. Throws LoadError when the header is not the file's.
StreamResult stream_file(const FileSpec& spec, const std::filesystem::path& path,
                         RowEncoder& encoder, const StreamHooks& hooks);

}  // namespace atelier::etl
