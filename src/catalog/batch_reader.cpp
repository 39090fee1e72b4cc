#include "catalog/batch_reader.hpp"

#include "catalog/product_rows.hpp"

namespace atelier::catalog {

namespace {
using Connection = Database::Connection;
}  // namespace

BatchReader::BatchReader(std::shared_ptr<Database> database) : database_(std::move(database)) {}

Result<Versioned<std::vector<model::ProductDetail>>> BatchReader::product_details_between(
    std::int64_t first_id, std::int64_t last_id) {
  return product_details_for(*database_, {first_id, last_id, {}});
}

Result<Versioned<std::vector<model::ProductDetail>>> BatchReader::product_details_in(
    std::span<const std::int64_t> ids) {
  return product_details_for(*database_, {0, 0, ids});
}

Result<Versioned<std::vector<model::ProductStyles>>> BatchReader::product_styles_between(
    std::int64_t first_id, std::int64_t last_id) {
  return product_styles_for(*database_, {first_id, last_id, {}});
}

Result<Versioned<std::vector<model::ProductStyles>>> BatchReader::product_styles_in(
    std::span<const std::int64_t> ids) {
  return product_styles_for(*database_, {0, 0, ids});
}

Result<Versioned<std::vector<model::RelatedIds>>> BatchReader::related_between(
    std::int64_t first_id, std::int64_t last_id) {
  return related_for(*database_, {first_id, last_id, {}});
}

Result<Versioned<std::vector<model::RelatedIds>>> BatchReader::related_in(
    std::span<const std::int64_t> ids) {
  return related_for(*database_, {0, 0, ids});
}

Result<Versioned<BatchReader::Bounds>> BatchReader::bounds() {
  using Out = Versioned<Bounds>;
  return database_->run("bounds", 1, [&](Connection& c) -> Result<Out> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("bounds");
    Out out;
    if (r.empty()) return out;
    out.version = r[0][0].as<std::int64_t>();
    if (!r[0][1].is_null()) {
      out.value.min_id = r[0][1].as<std::int64_t>();
      out.value.max_id = r[0][2].as<std::int64_t>();
    }
    out.value.count = r[0][3].as<std::int64_t>();
    return out;
  });
}

}  // namespace atelier::catalog
