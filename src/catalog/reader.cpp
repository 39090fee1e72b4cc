#include "catalog/reader.hpp"

#include <pqxx/pqxx>
#include <span>
#include <unordered_map>

#include "catalog/queries.hpp"
#include "catalog/query_watchdog.hpp"
#include "catalog/read_endpoints.hpp"

namespace atelier::catalog {

namespace {

constexpr auto kReconnectPause = std::chrono::milliseconds(250);

// "The catalog is not there (yet)": undefined table/schema, e.g. before the first load. A kind of
// its own (ErrorKind::not_loaded): a 503 like a database that is down, and /readyz says which.
// libpqxx 6.4 does not always fill in sqlstate() for the errors it maps to classes (seen for
// insufficient_privilege), so the class is checked too.
bool is_missing_catalog(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr || state == "42P01" ||
         state == "3F000";
}

// Statement timeout (57014, STACK-NOTES §2: plain sql_error with sqlstate set) or the same
// cancellation reported only in the message.
bool is_timeout(const pqxx::sql_error& e) {
  return e.sqlstate() == "57014" ||
         std::string_view(e.what()).find("canceling statement due to statement timeout") !=
             std::string_view::npos;
}

// "cached plan must not change result type" (0A000) after a reload replaced the views.
bool is_stale_plan(const pqxx::sql_error& e) {
  return dynamic_cast<const pqxx::feature_not_supported*>(&e) != nullptr || e.sqlstate() == "0A000";
}

// The product reads exist twice: "<name>" for an id range and "<name>_one" for one id
// (queries.hpp says why).
void prepare_for_ids(pqxx::connection& c, const std::string& name, std::string_view text) {
  c.prepare(name, sql::for_ids(text, sql::Ids::range));
  c.prepare(name + "_one", sql::for_ids(text, sql::Ids::one));
  c.prepare(name + "_list", sql::for_ids(text, sql::Ids::list));
}

void prepare_statements(pqxx::connection& c) {
  c.prepare("product_page", sql::kProductPage);
  prepare_for_ids(c, "product_details", sql::kProductDetails);
  prepare_for_ids(c, "product_styles", sql::kProductStyles);
  prepare_for_ids(c, "related", sql::kRelated);
  c.prepare("bounds", sql::kBounds);
  c.prepare("dataset_version", sql::kDatasetVersion);
  c.prepare("revisions", sql::kRevisions);
  c.prepare("last_publish", sql::kLastPublish);
  c.prepare("publishes_since", sql::kPublishesSince);
  c.prepare("last_publish_changes", sql::kLastPublishChanges);
  c.prepare("cart_add", sql::kCartAdd);
  c.prepare("cart_list", sql::kCartList);
  c.prepare("cart_forget_requests", sql::kCartForgetRequests);
}

std::int64_t as_i64(const pqxx::field& f) {
  return f.as<std::int64_t>();
}

// Revisions are 64-bit digests stored in int8 columns (bit pattern kept); NULL reads as 0.
std::uint64_t as_revision(const pqxx::field& f) {
  return f.is_null() ? 0 : static_cast<std::uint64_t>(f.as<std::int64_t>());
}

std::string as_text(const pqxx::field& f) {
  return std::string(f.c_str(), f.size());
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

// "{1,2,3}": an int8[] parameter as text (libpqxx 6.4 has no array parameters).
std::string id_array(std::span<const std::int64_t> ids) {
  std::string text = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text.push_back(',');
    text += std::to_string(ids[i]);
  }
  text.push_back('}');
  return text;
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

struct CatalogReader::Connection {
  explicit Connection(const std::string& conninfo) : db(conninfo) { prepare_statements(db); }
  pqxx::connection db;
};

CatalogReader::CatalogReader(std::string conninfo) : conninfo_(std::move(conninfo)) {}
CatalogReader::CatalogReader(std::shared_ptr<ReadEndpoints> endpoints)
    : endpoints_(std::move(endpoints)) {}
CatalogReader::~CatalogReader() = default;
CatalogReader::CatalogReader(CatalogReader&&) noexcept = default;
CatalogReader& CatalogReader::operator=(CatalogReader&&) noexcept = default;

CatalogReader::Connection& CatalogReader::connection() {
  if (endpoints_) return endpoint_connection();
  if (!connection_) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_connect_attempt_) {
      throw pqxx::broken_connection("database unreachable (waiting before the next attempt)");
    }
    try {
      connection_ = std::make_unique<Connection>(conninfo_);
    } catch (...) {
      next_connect_attempt_ = now + kReconnectPause;
      throw;
    }
  }
  return *connection_;
}

CatalogReader::Connection& CatalogReader::endpoint_connection() {
  // Move when the preferred endpoint changed (a replica came back, or fell too far behind).
  if (connection_ && endpoint_ != endpoints_->preferred()) connection_.reset();
  if (connection_) return *connection_;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_attempt_) {
    throw pqxx::broken_connection("database unreachable (waiting before the next attempt)");
  }
  // A replica that refuses the connection is reported and the next endpoint tried at once, so a
  // stopped replica costs no request an error; only when the primary fails too does it throw.
  for (std::size_t tries = 0;; ++tries) {
    endpoint_ = endpoints_->preferred();
    try {
      connection_ = std::make_unique<Connection>(endpoints_->conninfo(endpoint_));
      return *connection_;
    } catch (const pqxx::broken_connection&) {
      endpoints_->report_failure(endpoint_);
      if (endpoint_ + 1 < endpoints_->size() && tries < endpoints_->size()) continue;
      next_connect_attempt_ = now + kReconnectPause;
      throw;
    }
  }
}

template <typename Fn>
auto CatalogReader::run(const char* what, Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  return run(what, 1, std::forward<Fn>(fn));
}

template <typename Fn>
auto CatalogReader::run(const char* what, int statements, Fn&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  // One retry after a broken connection: libpqxx 6.4 reactivation is unreliable, so the
  // connection object is dropped and rebuilt instead (STACK-NOTES §0.10).
  for (int attempt = 0;; ++attempt) {
    try {
      Connection& c = connection();
      const auto watch = QueryWatchdog::instance().watch(c.db.sock(), statements);
      return fn(c);
    } catch (const pqxx::broken_connection& e) {
      connection_.reset();
      if (attempt == 0 && std::chrono::steady_clock::now() >= next_connect_attempt_) continue;
      return Error{ErrorKind::unavailable, std::string(what) + ": " + e.what()};
    } catch (const pqxx::sql_error& e) {
      if (is_timeout(e)) return Error{ErrorKind::timeout, std::string(what) + ": timeout"};
      if (is_missing_catalog(e)) {
        return Error{ErrorKind::not_loaded, std::string(what) + ": catalog not loaded"};
      }
      // A view replaced by a reload between planning and execution can surface as a "cached
      // plan must not change result type" error; the statement is simply run again.
      if (attempt == 0 && is_stale_plan(e)) continue;
      return Error{ErrorKind::query, std::string(what) + ": " + e.what()};
    } catch (const pqxx::transaction_rollback& e) {
      // Deadlock or serialization failure (40P01 / 40001; libpqxx 6.4 derives these from
      // pqxx::failure, not sql_error): the statement lost a lock conflict, e.g. with a publish.
      // Nothing was read; it is run once more, then reported as a transient 503.
      if (attempt == 0) continue;
      return Error{ErrorKind::timeout, std::string(what) + ": " + e.what()};
    } catch (const pqxx::in_doubt_error& e) {
      connection_.reset();
      return Error{ErrorKind::unavailable, std::string(what) + ": " + e.what()};
    } catch (const std::exception& e) {
      // Anything else (conversion error, library failure) leaves the connection state unknown.
      connection_.reset();
      return Error{ErrorKind::query, std::string(what) + ": " + e.what()};
    }
  }
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
                                     std::string(statement) + "_list", id_array(ids.list));
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

Result<CartAddOutcome> CatalogReader::add_to_cart(const CartAddRequest& add) {
  // run() tries once more after a broken connection. That is safe for a write only because the
  // request key makes the add idempotent: if the first try committed, its recorded answer comes
  // back (replayed) and nothing is added twice; if it did not, the add happens now.
  return run("cart_add", [&](Connection& c) -> Result<CartAddOutcome> {
    // One autocommit statement: the unit and its answer are durable once the 201 is sent.
    pqxx::nontransaction tx{c.db};
    const pqxx::result r =
        tx.exec_prepared("cart_add", add.session_key, add.previous_key, add.sku_id, add.request_key,
                         add.max_skus, add.max_units);
    CartAddOutcome out;
    const auto row = r.at(0);
    out.status = row[0].as<int>();
    out.replayed = row[1].as<bool>();
    out.bound = as_text(row[2]);
    return out;
  });
}

Result<std::int64_t> CatalogReader::forget_cart_requests() {
  return run("cart_forget_requests", [&](Connection& c) -> Result<std::int64_t> {
    pqxx::nontransaction tx{c.db};
    return as_i64(tx.exec_prepared("cart_forget_requests").at(0)[0]);
  });
}

Result<std::vector<model::CartLine>> CatalogReader::cart(const std::string& session_key,
                                                         const std::string& previous_key) {
  return run("cart_list", [&](Connection& c) -> Result<std::vector<model::CartLine>> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("cart_list", session_key, previous_key);
    std::vector<model::CartLine> lines;
    lines.reserve(r.size());
    for (const auto& row : r) lines.push_back({as_i64(row[0]), as_i64(row[1])});
    return lines;
  });
}

}  // namespace atelier::catalog
