// manifest.json, written next to the CSVs (docs/ARCHITECTURE.md "Generator manifest"): the rows
// written per file, every planted dirty line with the loader's expected action, and example ids
// the API tests look up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gen/dirt.hpp"

namespace atelier::gen {

struct PlantedLine {
  std::string file;       // "photos.csv"
  std::int64_t line = 0;  // physical line, header = 1
  std::string kind;       // "unterminated_quote"
  DirtAction action = DirtAction::kept;
};

struct StyleExample {
  std::int64_t product_id = 0;
  std::int64_t style_id = 0;
};

struct PhotoExample {
  std::int64_t product_id = 0;
  std::int64_t style_id = 0;
  std::int64_t photo_id = 0;
};

// Each example is the first occurrence in file order; absent when the catalog has none
// (--no-dirt, or a catalog too small to hold every kind).
struct ManifestExamples {
  std::optional<std::int64_t> product_without_styles;
  std::optional<StyleExample> style_without_photos_and_skus;
  std::optional<StyleExample> sale_zero;
  std::optional<StyleExample> sale_null;
  std::optional<std::int64_t> related_duplicates;
  std::optional<std::int64_t> related_self;
  std::optional<std::int64_t> related_zero;
  std::optional<std::int64_t> feature_duplicate_name;
  std::optional<std::int64_t> feature_null_value;
  std::optional<StyleExample> duplicate_size;
  std::optional<StyleExample> huge_price;
  std::optional<StyleExample> photos_out_of_order;
  std::optional<PhotoExample> unterminated_quote_photo;

  // Fills every example still missing here from `later` (a later block of the catalog).
  void fill_missing_from(const ManifestExamples& later);
};

struct Manifest {
  std::uint64_t seed = 0;
  std::int64_t products = 0;
  std::vector<std::pair<std::string, std::int64_t>> rows;  // file name -> data lines
  std::vector<PlantedLine> planted;
  ManifestExamples examples;
};

// Pretty-printed JSON text of the manifest.
std::string write_manifest_json(const Manifest& manifest);

}  // namespace atelier::gen
