// The product reads a host and the warm-up share (catalog/product_reader.hpp, batch_reader.hpp):
// one statement over an id range, one id, or a list of ids, and its rows turned into the model's
// structs. A host's single product is the range with first = last, so both build the very same
// structs. Included only by the catalog library's .cpp files: it brings in libpqxx.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "catalog/database_run.hpp"
#include "model/catalog.hpp"

namespace atelier::catalog {

// Ids first..last, or the list when it is not empty.
struct IdSelection {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::span<const std::int64_t> list;
};

Result<Versioned<std::vector<model::ProductDetail>>> product_details_for(Database& database,
                                                                         const IdSelection& ids);
Result<Versioned<std::vector<model::ProductStyles>>> product_styles_for(Database& database,
                                                                        const IdSelection& ids);
Result<Versioned<std::vector<model::RelatedIds>>> related_for(Database& database,
                                                              const IdSelection& ids);

// The eight product columns (id, name, slogan, description, category, price in cents, created and
// updated in epoch ms), which both product statements return side by side from column `first`.
model::Product product_from(const pqxx::row& row, pqxx::row::size_type first);

// Revisions are 64-bit digests stored in int8 columns (bit pattern kept); NULL reads as 0.
std::uint64_t as_revision(const pqxx::field& f);

}  // namespace atelier::catalog
