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

// A host's product reads as an interface: ProductReader on a database in production, a fake in
// the unit tests of http::Service (tests/unit/http/service_test.cpp).
class ProductRows {
 public:
  virtual ~ProductRows() = default;
  // Products at ranks first..last (1-based, ascending id); empty past the end.
  virtual Result<Versioned<std::vector<model::Product>>> product_page(std::int64_t first_rank,
                                                                      std::int64_t last_rank) = 0;
  // nullopt value = unknown product.
  virtual Result<Versioned<std::optional<model::ProductDetail>>> product_detail(
      std::int64_t product_id) = 0;
  virtual Result<Versioned<std::optional<model::ProductStyles>>> product_styles(
      std::int64_t product_id) = 0;
  virtual Result<Versioned<std::optional<model::RelatedIds>>> related(std::int64_t product_id) = 0;
};

class ProductReader final : public ProductRows {
 public:
  // Reads through `database`: with ReadEndpoints, whichever endpoint they prefer (replicas first,
  // the primary last); never for the cart (CartStore), whose reads must see its own writes.
  explicit ProductReader(std::shared_ptr<Database> database);

  Result<Versioned<std::vector<model::Product>>> product_page(std::int64_t first_rank,
                                                              std::int64_t last_rank) override;
  Result<Versioned<std::optional<model::ProductDetail>>> product_detail(
      std::int64_t product_id) override;
  Result<Versioned<std::optional<model::ProductStyles>>> product_styles(
      std::int64_t product_id) override;
  Result<Versioned<std::optional<model::RelatedIds>>> related(std::int64_t product_id) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
