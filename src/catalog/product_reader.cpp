#include "catalog/product_reader.hpp"

#include "catalog/product_rows.hpp"

namespace atelier::catalog {

namespace {

using Connection = Database::Connection;

// The single-product reads are the batch reads with first = last (so a host and the warm-up tool
// build the same structs; exec_for_ids picks the one-id statement); this takes the one element,
// or nothing for an unknown id.
template <typename T, typename Project>
auto single(Result<Versioned<std::vector<T>>>&& batch, Project project)
    -> Result<Versioned<std::optional<decltype(project(std::declval<T&&>()))>>> {
  using Out = Versioned<std::optional<decltype(project(std::declval<T&&>()))>>;
  if (!batch.ok()) return batch.error();
  Out out;
  out.version = batch.value().version;
  if (!batch.value().value.empty()) out.value = project(std::move(batch.value().value.front()));
  return out;
}

}  // namespace

ProductReader::ProductReader(std::shared_ptr<Database> database) : database_(std::move(database)) {}

Result<Versioned<std::vector<model::Product>>> ProductReader::product_page(std::int64_t first_rank,
                                                                           std::int64_t last_rank) {
  using Out = Versioned<std::vector<model::Product>>;
  return database_->run("product_page", 1, [&](Connection& c) -> Result<Out> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("product_page", first_rank, last_rank);
    Out out;
    out.version = r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<std::int64_t>();
    out.value.reserve(r.size());
    for (const auto& row : r) {
      if (row[1].is_null()) continue;
      out.value.push_back(product_from(row, 1));
    }
    return out;
  });
}

Result<Versioned<std::optional<model::ProductDetail>>> ProductReader::product_detail(
    std::int64_t product_id) {
  return single(product_details_for(*database_, {product_id, product_id, {}}),
                [](model::ProductDetail&& d) { return std::move(d); });
}

Result<Versioned<std::optional<model::ProductStyles>>> ProductReader::product_styles(
    std::int64_t product_id) {
  return single(product_styles_for(*database_, {product_id, product_id, {}}),
                [](model::ProductStyles&& s) { return std::move(s); });
}

Result<Versioned<std::optional<model::RelatedIds>>> ProductReader::related(
    std::int64_t product_id) {
  return single(related_for(*database_, {product_id, product_id, {}}),
                [](model::RelatedIds&& r) { return std::move(r); });
}

}  // namespace atelier::catalog
