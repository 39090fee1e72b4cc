// One block of consecutive products rendered to CSV text for six of the seven files (cart.csv is
// written once at the end). Blocks are independent given the first id of each file, so workers
// render them in parallel and the writer appends them in product order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "gen/dirt.hpp"
#include "gen/manifest.hpp"
#include "gen/product_plan.hpp"
#include "gen/text_buffer.hpp"

namespace atelier::gen {

inline constexpr std::size_t kBlockFileCount = 6;  // product .. related; not cart

struct CatalogShape {
  std::uint64_t seed = 0;
  std::int64_t products = 0;
  bool dirt = true;
  // Styles ids in use are 1..style_ids; dangling photos/skus name ids above it.
  std::int64_t style_ids = 0;
};

// A line of interest inside a block: `row` counts the block's data rows of `file` from 0.
struct BlockLine {
  CatalogFile file = CatalogFile::product;
  std::int64_t row = 0;
  DirtKind kind = DirtKind::none;
};

struct CatalogBlock {
  // Each row is written as "\n" + fields, so a file made of header + blocks never ends with a
  // newline (CONTRACT §4: no newline after the last row).
  std::array<TextBuffer, kBlockFileCount> text;
  std::array<std::int64_t, kBlockFileCount> rows{};
  std::vector<BlockLine> planted;  // planted lines, then at most kNaturalLinesPerKind natural ones
  std::vector<std::int64_t> rejected_sku_ids;  // dangling or malformed skus; cart avoids them
  ManifestExamples examples;
  std::size_t sale_nulls_listed = 0;  // natural lines listed so far (kNaturalLinesPerKind cap)
  std::size_t feature_nulls_listed = 0;

  void clear();
};

// The manifest lists at most this many naturally occurring lines of one kind (null sale prices
// are a third of all styles).
inline constexpr std::size_t kNaturalLinesPerKind = 20;

// Ids consumed by products [first_product, end_product).
IdUsage block_usage(const CatalogShape& shape, const DirtPlan& dirt, std::int64_t first_product,
                    std::int64_t end_product);

// Renders products [first_product, end_product) into `out` (cleared first); `first_ids` holds the
// first id of each file for this block. Throws std::logic_error if the rows consumed other ids than
// block_usage() announced (the blocks would overlap).
void write_block(const CatalogShape& shape, const DirtPlan& dirt, std::int64_t first_product,
                 std::int64_t end_product, const IdUsage& first_ids, CatalogBlock& out);

}  // namespace atelier::gen
