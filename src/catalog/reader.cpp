#include "catalog/reader.hpp"

#include <pqxx/pqxx>
#include <span>
#include <unordered_map>

#include "catalog/database_run.hpp"
#include "catalog/queries.hpp"

namespace atelier::catalog {

namespace {

using Connection = Database::Connection;

// Revisions are 64-bit digests stored in int8 columns (bit pattern kept); NULL reads as 0.
std::uint64_t as_revision(const pqxx::field& f) {
  return f.is_null() ? 0 : static_cast<std::uint64_t>(f.as<std::int64_t>());
}

std::optional<std::string> as_optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return as_text(f);
}

// The eight product columns (id, name, slogan, description, category, price in cents, created and
// updated in epoch ms), which both product statements return side by side from column `first`.
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

CatalogReader::CatalogReader(std::string conninfo)
    : database_(std::make_shared<Database>(std::move(conninfo))) {}
CatalogReader::CatalogReader(std::shared_ptr<ReadEndpoints> endpoints)
    : database_(std::make_shared<Database>(std::move(endpoints))) {}
CatalogReader::CatalogReader(std::shared_ptr<Database> database) : database_(std::move(database)) {}
CatalogReader::~CatalogReader() = default;
CatalogReader::CatalogReader(CatalogReader&&) noexcept = default;
CatalogReader& CatalogReader::operator=(CatalogReader&&) noexcept = default;

template <typename Fn>
auto CatalogReader::run(const char* what, Fn&& fn) {
  return database_->run(what, 1, std::forward<Fn>(fn));
}

template <typename Fn>
auto CatalogReader::run(const char* what, int statements, Fn&& fn) {
  return database_->run(what, statements, std::forward<Fn>(fn));
}

// One product read over ids first..last (exec_for_ids picks the statement form), the dataset
// version taken from its rows, and `fill` turning the rows into the values.
template <typename Value, typename Fill>
Result<Versioned<Value>> CatalogReader::read_ids(const char* statement, const IdSelection& ids,
                                                 Fill&& fill) {
  return run(statement, [&](Connection& c) -> Result<Versioned<Value>> {
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

Result<Versioned<std::vector<model::Product>>> CatalogReader::product_page(std::int64_t first_rank,
                                                                           std::int64_t last_rank) {
  using Out = Versioned<std::vector<model::Product>>;
  return run("product_page", [&](Connection& c) -> Result<Out> {
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

Result<Versioned<std::vector<model::ProductDetail>>> CatalogReader::product_details_for(
    const IdSelection& ids) {
  using Out = std::vector<model::ProductDetail>;
  return read_ids<Out>("product_details", ids, [](const pqxx::result& r, Out& out) {
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

Result<Versioned<std::vector<model::ProductDetail>>> CatalogReader::product_details_between(
    std::int64_t first_id, std::int64_t last_id) {
  return product_details_for({first_id, last_id, {}});
}

Result<Versioned<std::vector<model::ProductDetail>>> CatalogReader::product_details_in(
    std::span<const std::int64_t> ids) {
  return product_details_for({0, 0, ids});
}

Result<Versioned<std::vector<model::ProductStyles>>> CatalogReader::product_styles_between(
    std::int64_t first_id, std::int64_t last_id) {
  return product_styles_for({first_id, last_id, {}});
}

Result<Versioned<std::vector<model::ProductStyles>>> CatalogReader::product_styles_in(
    std::span<const std::int64_t> ids) {
  return product_styles_for({0, 0, ids});
}

Result<Versioned<std::vector<model::RelatedIds>>> CatalogReader::related_between(
    std::int64_t first_id, std::int64_t last_id) {
  return related_for({first_id, last_id, {}});
}

Result<Versioned<std::vector<model::RelatedIds>>> CatalogReader::related_in(
    std::span<const std::int64_t> ids) {
  return related_for({0, 0, ids});
}

Result<Versioned<std::optional<model::ProductDetail>>> CatalogReader::product_detail(
    std::int64_t product_id) {
  return single(product_details_between(product_id, product_id),
                [](model::ProductDetail&& d) { return std::move(d); });
}

Result<Versioned<std::vector<model::ProductStyles>>> CatalogReader::product_styles_for(
    const IdSelection& ids) {
  using Out = std::vector<model::ProductStyles>;
  return read_ids<Out>("product_styles", ids, [](const pqxx::result& r, Out& out) {
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

Result<Versioned<std::optional<model::ProductStyles>>> CatalogReader::product_styles(
    std::int64_t product_id) {
  return single(product_styles_between(product_id, product_id),
                [](model::ProductStyles&& s) { return std::move(s); });
}

Result<Versioned<std::vector<model::RelatedIds>>> CatalogReader::related_for(
    const IdSelection& ids) {
  using Out = std::vector<model::RelatedIds>;
  return read_ids<Out>("related", ids, [](const pqxx::result& r, Out& out) {
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

Result<Versioned<std::optional<model::RelatedIds>>> CatalogReader::related(
    std::int64_t product_id) {
  return single(related_between(product_id, product_id),
                [](model::RelatedIds&& r) { return std::move(r); });
}

Result<Versioned<CatalogReader::Bounds>> CatalogReader::bounds() {
  using Out = Versioned<Bounds>;
  return run("bounds", [&](Connection& c) -> Result<Out> {
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

Result<std::int64_t> CatalogReader::dataset_version() {
  return run("dataset_version", [&](Connection& c) -> Result<std::int64_t> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("dataset_version");
    if (r.empty()) return Error{ErrorKind::not_loaded, "dataset_version: no active dataset"};
    return r[0][0].as<std::int64_t>();
  });
}

Result<CatalogReader::RevisionSnapshot> CatalogReader::revisions() {
  // BEGIN, two reads (every revision: the longest read there is), COMMIT.
  return run("revisions", 4, [&](Connection& c) -> Result<RevisionSnapshot> {
    // Repeatable read: the revisions and the last publish they include come from one snapshot,
    // so applying the publishes after it later misses nothing and repeats nothing.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx{c.db};
    const pqxx::result last = tx.exec_prepared("last_publish");
    const pqxx::result rows = tx.exec_prepared("revisions");
    tx.commit();
    RevisionSnapshot out;
    if (!last.empty()) {
      out.last_publish = as_i64(last[0][0]);
      out.list_revision = as_i64(last[0][2]);
    }
    out.revisions.reserve(rows.size());
    for (const auto& row : rows) out.revisions.emplace_back(as_i64(row[0]), as_revision(row[1]));
    return out;
  });
}

Result<CatalogReader::PublishLog> CatalogReader::publishes_since(std::int64_t after) {
  return run("publishes_since", 2, [&](Connection& c) -> Result<PublishLog> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result last = tx.exec_prepared("last_publish");
    const pqxx::result rows = tx.exec_prepared("publishes_since", after);
    PublishLog out;
    if (!last.empty()) out.oldest_kept = as_i64(last[0][1]);
    for (const auto& row : rows) {
      const std::int64_t id = as_i64(row[0]);
      if (out.publishes.empty() || out.publishes.back().id != id) {
        out.publishes.push_back(Publish{id, as_i64(row[1]), row[2].as<bool>(), as_i64(row[3]), {}});
      }
      if (!row[4].is_null()) {
        out.publishes.back().changes.emplace_back(as_i64(row[4]), as_revision(row[5]));
      }
    }
    return out;
  });
}

Result<CatalogReader::PublishChanges> CatalogReader::last_publish_changes() {
  return run("last_publish_changes", [&](Connection& c) -> Result<PublishChanges> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result rows = tx.exec_prepared("last_publish_changes");
    PublishChanges out;
    for (const auto& row : rows) {
      out.publish = as_i64(row[0]);
      out.listed = row[1].as<bool>();
      if (!row[2].is_null()) out.ids.push_back(as_i64(row[2]));
    }
    return out;
  });
}

}  // namespace atelier::catalog
