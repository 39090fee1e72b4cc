// Tomorrow's catalog from today's: `atelier-gen --mutate-from DIR --changed-percent P --out DIR2`.
//
// Reads the seven files of DIR and writes to DIR2:
//   * the next day's full catalog (same seven files): P% of the products changed (a price, a sale
//     price with a sku quantity and a photo URL, a feature value, or one more related product),
//     some deleted with all their rows, some added (new ids after the largest one);
//   * update/: the same changes as a partial update (scripts/update-data): every row of the files
//     a changed product's change touches (a product's styles with their photos and skus), the
//     added products' rows, and deleted.csv;
//   * changes.json: the changed, added and deleted ids, and the products whose related lists
//     change only because they name a deleted product, so tests and benchmarks can check exactly.
// Lines are copied byte for byte, dirt included; only the changed rows are rewritten.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::gen {

struct MutateOptions {
  std::filesystem::path from;
  std::filesystem::path out;
  double changed_percent = 1.0;
  // Products added and deleted, each, as a share of the changed ones.
  double added_share = 0.1;
  std::uint64_t seed = 1;
};

struct MutateReport {
  std::vector<std::int64_t> changed;           // rows changed (bodies change)
  std::vector<std::int64_t> added;             // new ids
  std::vector<std::int64_t> deleted;           // gone with all their rows
  std::vector<std::int64_t> dangling_related;  // name a deleted product in their related rows
  double seconds = 0;
};

// Parses `--mutate-from DIR --out DIR2 [--changed-percent P] [--seed S]`; error text or empty.
std::string parse_mutate_arguments(const std::vector<std::string_view>& arguments,
                                   MutateOptions& options);

MutateReport mutate_catalog(const MutateOptions& options);

}  // namespace atelier::gen
