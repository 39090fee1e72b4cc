// The warm-up's reads (src/warm/): every product of an id range or of a list of ids in one
// statement per body kind (not one per product), and the catalog's id bounds. The rows become the
// same structs a host's ProductReader builds (product_rows.hpp), so both make the same bodies.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "catalog/result.hpp"
#include "model/catalog.hpp"

namespace atelier::catalog {

class Database;

class BatchReader {
 public:
  explicit BatchReader(std::shared_ptr<Database> database);

  // Every product with first_id <= id <= last_id, ascending.
  Result<Versioned<std::vector<model::ProductDetail>>> product_details_between(
      std::int64_t first_id, std::int64_t last_id);
  Result<Versioned<std::vector<model::ProductStyles>>> product_styles_between(std::int64_t first_id,
                                                                              std::int64_t last_id);
  Result<Versioned<std::vector<model::RelatedIds>>> related_between(std::int64_t first_id,
                                                                    std::int64_t last_id);
  // The same for a list of scattered ids (one `= ANY` statement each), ascending.
  Result<Versioned<std::vector<model::ProductDetail>>> product_details_in(
      std::span<const std::int64_t> ids);
  Result<Versioned<std::vector<model::ProductStyles>>> product_styles_in(
      std::span<const std::int64_t> ids);
  Result<Versioned<std::vector<model::RelatedIds>>> related_in(std::span<const std::int64_t> ids);
  // Id bounds of the active catalog: {min id, max id, product count}.
  struct Bounds {
    std::int64_t min_id = 0;
    std::int64_t max_id = 0;
    std::int64_t count = 0;
  };
  Result<Versioned<Bounds>> bounds();

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
