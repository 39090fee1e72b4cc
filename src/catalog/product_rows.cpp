#include "catalog/product_rows.hpp"

#include <unordered_map>

#include "catalog/queries.hpp"

namespace atelier::catalog {

namespace {

using Connection = Database::Connection;

std::optional<std::string> as_optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return as_text(f);
}

// One product read over ids first..last: the one-id form of the statement when first == last.
pqxx::result exec_for_ids(pqxx::connection& db, const std::string& name, std::int64_t first_id,
                          std::int64_t last_id) {
  pqxx::nontransaction tx{db};
  if (first_id == last_id) return tx.exec_prepared(name + "_one", first_id);
  return tx.exec_prepared(name, first_id, last_id);
}

std::int64_t version_of(const pqxx::result& r) {
  // Row 0 is always the kind-0 row joined to catalog.dataset, so it carries the version.
  return r.empty() || r[0][1].is_null() ? 0 : r[0][1].as<std::int64_t>();
}

// One product read over ids first..last (exec_for_ids picks the statement form), the dataset
// version taken from its rows, and `fill` turning the rows into the values.
template <typename Value, typename Fill>
Result<Versioned<Value>> read_ids(Database& database, const char* statement, const IdSelection& ids,
                                  Fill&& fill) {
  return database.run(statement, 1, [&](Connection& c) -> Result<Versioned<Value>> {
    const pqxx::result r = ids.list.empty()
                               ? exec_for_ids(c.db, statement, ids.first, ids.last)
                               : pqxx::nontransaction{c.db}.exec_prepared(
                                     std::string(statement) + "_list", sql::number_array(ids.list));
    Versioned<Value> out;
    out.version = version_of(r);
    fill(r, out.value);
    return out;
  });
}

}  // namespace

std::uint64_t as_revision(const pqxx::field& f) {
  return f.is_null() ? 0 : static_cast<std::uint64_t>(f.as<std::int64_t>());
}

model::Product product_from(const pqxx::row& row, pqxx::row::size_type first) {
  model::Product p;
  p.id = as_i64(row[first]);
  p.name = as_text(row[first + 1]);
  p.slogan = as_text(row[first + 2]);
  p.description = as_text(row[first + 3]);
  p.category = as_text(row[first + 4]);
  p.default_price = as_i64(row[first + 5]);
  p.created_at = as_i64(row[first + 6]);
  p.updated_at = as_i64(row[first + 7]);
  return p;
}

Result<Versioned<std::vector<model::ProductDetail>>> product_details_for(Database& database,
                                                                         const IdSelection& ids) {
  using Out = std::vector<model::ProductDetail>;
  return read_ids<Out>(database, "product_details", ids, [](const pqxx::result& r, Out& out) {
    std::unordered_map<std::int64_t, std::size_t> index;
    for (const auto& row : r) {
      const int kind = row[0].as<int>();
      if (row[2].is_null()) continue;
      const std::int64_t id = as_i64(row[2]);
      if (kind == 0) {
        index.emplace(id, out.size());
        out.push_back(model::ProductDetail{product_from(row, 2), {}});
        out.back().product.revision = as_revision(row[11]);
      } else if (auto it = index.find(id); it != index.end()) {
        out[it->second].features.push_back({as_text(row[3]), as_optional_text(row[4])});
      }
    }
  });
}

Result<Versioned<std::vector<model::ProductStyles>>> product_styles_for(Database& database,
                                                                        const IdSelection& ids) {
  using Out = std::vector<model::ProductStyles>;
  return read_ids<Out>(database, "product_styles", ids, [](const pqxx::result& r, Out& out) {
    std::unordered_map<std::int64_t, std::size_t> products;
    // style id -> (product index, style index)
    std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> styles;
    for (const auto& row : r) {
      const int kind = row[0].as<int>();
      if (row[2].is_null()) continue;
      const std::int64_t product_id = as_i64(row[2]);
      if (kind == 0) {
        products.emplace(product_id, out.size());
        out.push_back(model::ProductStyles{product_id, {}, as_revision(row[10])});
        continue;
      }
      const std::int64_t style_id = as_i64(row[3]);
      if (kind == 1) {
        auto p = products.find(product_id);
        if (p == products.end()) continue;
        model::Style s;
        s.id = style_id;
        s.name = as_text(row[5]);
        s.original_price = as_i64(row[7]);
        if (!row[8].is_null()) s.sale_price = as_i64(row[8]);
        s.is_default = row[9].as<bool>();
        auto& list = out[p->second].styles;
        styles.emplace(style_id, std::make_pair(p->second, list.size()));
        list.push_back(std::move(s));
        continue;
      }
      auto st = styles.find(style_id);
      if (st == styles.end()) continue;
      model::Style& style = out[st->second.first].styles[st->second.second];
      if (kind == 2) {
        style.photos.push_back({as_optional_text(row[6]), as_optional_text(row[5])});
      } else {
        style.skus.push_back({as_i64(row[10]), as_i64(row[7]), as_text(row[5])});
      }
    }
  });
}

Result<Versioned<std::vector<model::RelatedIds>>> related_for(Database& database,
                                                              const IdSelection& ids) {
  using Out = std::vector<model::RelatedIds>;
  return read_ids<Out>(database, "related", ids, [](const pqxx::result& r, Out& out) {
    std::unordered_map<std::int64_t, std::size_t> index;
    for (const auto& row : r) {
      if (row[2].is_null()) continue;
      const std::int64_t id = as_i64(row[2]);
      if (row[0].as<int>() == 0) {
        index.emplace(id, out.size());
        out.push_back(model::RelatedIds{id, as_revision(row[5]), {}});
      } else if (auto it = index.find(id); it != index.end()) {
        out[it->second].ids.push_back(as_i64(row[3]));
      }
    }
  });
}

}  // namespace atelier::catalog
