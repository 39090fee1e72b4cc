// A host's request reads (docs/ARCHITECTURE.md "The read path of a product request"): a list page
// and one product's detail, styles or related ids, each one round trip (nontransaction) on
// prepared statements. One per worker thread (libpqxx connections are not thread-safe: a
// connection is never shared between threads). The warm-up's batch reads are batch_reader.hpp's,
// the publish log's publish_log.hpp's, the cart's cart_store.hpp's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "catalog/result.hpp"
#include "model/catalog.hpp"

namespace atelier::catalog {

class Database;

class ProductReader {
 public:
  // Reads through `database`: with ReadEndpoints, whichever endpoint they prefer (replicas first,
  // the primary last); never for the cart (CartStore), whose reads must see its own writes.
  explicit ProductReader(std::shared_ptr<Database> database);

  // Products at ranks first..last (1-based, ascending id); empty past the end.
  Result<Versioned<std::vector<model::Product>>> product_page(std::int64_t first_rank,
                                                              std::int64_t last_rank);
  // nullopt value = unknown product.
  Result<Versioned<std::optional<model::ProductDetail>>> product_detail(std::int64_t product_id);
  Result<Versioned<std::optional<model::ProductStyles>>> product_styles(std::int64_t product_id);
  Result<Versioned<std::optional<model::RelatedIds>>> related(std::int64_t product_id);

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
