// The synthetic catalog generator: writes the seven CSV files of CONTRACT §4 plus manifest.json
// (docs/ARCHITECTURE.md "Generator manifest") for any number of products up to the full 1,000,011.
// Output bytes depend only on (products, seed, dirt), never on the thread count.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "gen/manifest.hpp"

namespace atelier::gen {

inline constexpr std::int64_t kFullCatalogProducts = 1'000'011;

struct GenerateOptions {
  std::int64_t products = 10'000;
  std::uint64_t seed = 42;
  bool dirt = true;  // plant the "Known dirt" of CONTRACT §4
  int threads = 2;
  std::filesystem::path out_dir;
};

struct FileReport {
  std::string name;  // "photos.csv"
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
};

struct GenerateReport {
  std::vector<FileReport> files;  // CONTRACT §4 order, then manifest.json (rows = 0)
  Manifest manifest;
  double seconds = 0;
};

// Bad options (products < 1, threads outside 1..64, empty out_dir) or a file that cannot be
// created or written.
class GenerateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

GenerateReport generate(const GenerateOptions& options);

}  // namespace atelier::gen
