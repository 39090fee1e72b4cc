// The seven catalog files (CONTRACT §4): names, exact headers, target tables, and the rules that
// turn one parsed line into one COPY row of the dataset table — or reject it with a reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "etl/csv_line.hpp"
#include "etl/id_set.hpp"

namespace atelier::etl {

enum class CatalogFile : std::uint8_t { products, features, styles, photos, skus, related, cart };

struct FileSpec {
  CatalogFile file;
  std::string_view file_name;     // "photos.csv"
  std::string_view header;        // exact first line (CONTRACT §4 table)
  std::string_view table;         // dataset table ("photos"); cart goes to atelier.cart
  std::string_view copy_columns;  // column list of the COPY, in the order rows are encoded
  std::size_t field_count;
};

// All seven files, in the order the contract lists them.
const std::array<FileSpec, 7>& catalog_files();
const FileSpec& spec_of(CatalogFile file);

// Parents a row must point at (CONTRACT §4 dirt 4; ARCHITECTURE: "the loader keeps only rows whose
// parents exist"). A null pointer skips that check (used while the set itself is being built),
// except for photos and skus: their rows carry the product of their style, so they need `styles`.
struct ParentIds {
  const IdSet* products = nullptr;  // accepted ids of product.csv
  const IdMap* styles = nullptr;    // accepted ids of styles.csv -> their product id
  const IdSet* skus = nullptr;      // accepted ids of skus.csv (cart rows)
};

// Products only: appends the columns a product row gets from outside its line (created_at,
// updated_at, revision: each preceded by a tab) for the product `id` whose own line hashes to
// `row_hash`. Without one, a product row ends after default_price (the pre-scan, which keeps
// nothing).
using ProductStamp = std::function<void(std::int64_t id, std::uint64_t row_hash, std::string& out)>;

// Digest of one parsed line: every field's kind and bytes, not its line number, so a row that only
// moved in the file keeps its hash. Rows are accumulated per product in file order
// (ProductDigests), which keeps the order the API serves without naming absolute lines.
std::uint64_t record_hash(const CsvRecord& record);

struct RowOutcome {
  bool accepted = false;
  std::string_view reason;  // static text, set when rejected
};

// Validates parsed lines of one file and appends accepted rows to a COPY text buffer.
// Stateful per file: remembers accepted ids (duplicates: the later occurrence is rejected) and
// the products' rank (1..n by ascending id, valid when ids_ascending()).
class RowEncoder {
 public:
  RowEncoder(CatalogFile file, ParentIds parents, ProductStamp stamp = {});

  // `line_number` is the physical line (header = 1). On rejection `out` is left unchanged.
  RowOutcome encode(const CsvRecord& record, std::int64_t line_number, std::string& out);

  const IdSet& accepted_ids() const { return accepted_; }
  IdSet& accepted_ids() { return accepted_; }
  // After an accepted row: the product it belongs to (none for cart rows) and its record_hash.
  std::optional<std::int64_t> last_product() const { return last_product_; }
  std::uint64_t last_row_hash() const { return last_row_hash_; }
  // Styles only: accepted style id -> its product id.
  const IdMap& style_products() const { return style_products_; }

 private:
  RowOutcome encode_product(const CsvRecord& r, std::string& out);
  RowOutcome encode_feature(const CsvRecord& r, std::int64_t line, std::string& out);
  RowOutcome encode_style(const CsvRecord& r, std::string& out);
  RowOutcome encode_photo(const CsvRecord& r, std::int64_t line, std::string& out);
  RowOutcome encode_sku(const CsvRecord& r, std::int64_t line, std::string& out);
  RowOutcome encode_related(const CsvRecord& r, std::int64_t line, std::string& out);
  RowOutcome encode_cart(const CsvRecord& r, std::string& out);

  CatalogFile file_;
  ParentIds parents_;
  ProductStamp stamp_;
  IdSet accepted_;
  IdMap style_products_;
  std::optional<std::int64_t> last_product_;
  std::uint64_t last_row_hash_ = 0;
};

// Line-level problems (before any column rule) as reject reasons.
std::string_view describe(LineProblem problem);

// A short prefix of a line for atelier.rejects.excerpt: never cut inside a UTF-8 sequence, and
// bytes that are not clean UTF-8 (the reason the line was rejected) shown as '?'.
std::string excerpt_of(std::string_view line, std::size_t max_bytes = 120);

}  // namespace atelier::etl
