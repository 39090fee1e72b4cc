#include "catalog/cart_store.hpp"

#include "catalog/database_run.hpp"
#include "catalog/queries.hpp"

namespace atelier::catalog {

namespace {
using Connection = Database::Connection;
}  // namespace

CartStore::CartStore(std::string conninfo)
    : database_(std::make_shared<Database>(std::move(conninfo))) {}
CartStore::CartStore(std::shared_ptr<Database> database) : database_(std::move(database)) {}
CartStore::~CartStore() = default;
CartStore::CartStore(CartStore&&) noexcept = default;
CartStore& CartStore::operator=(CartStore&&) noexcept = default;

Result<CartAddOutcome> CartStore::add_to_cart(const CartAddRequest& add) {
  // run() tries once more after a broken connection. That is safe for a write only because the
  // request key makes the add idempotent: if the first try committed, its recorded answer comes
  // back (replayed) and nothing is added twice; if it did not, the add happens now.
  return database_->run("cart_add", 1, [&](Connection& c) -> Result<CartAddOutcome> {
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

Result<std::vector<CartAddOutcome>> CartStore::add_to_cart(std::span<const CartAddRequest> adds) {
  using Outcomes = std::vector<CartAddOutcome>;
  if (adds.size() == 1) {
    auto one = add_to_cart(adds.front());
    if (!one.ok()) return one.error();
    return Outcomes{std::move(one.value())};
  }
  if (adds.empty()) return Outcomes{};
  std::vector<std::string> keys, previous_keys, requests;
  std::vector<std::int64_t> skus, max_skus, max_units;
  for (const CartAddRequest& add : adds) {
    keys.push_back(add.session_key);
    previous_keys.push_back(add.previous_key);
    requests.push_back(add.request_key);
    skus.push_back(add.sku_id);
    max_skus.push_back(add.max_skus);
    max_units.push_back(add.max_units);
  }
  bool function_missing = false;
  // As for one add, run()'s retry after a broken connection cannot add twice: every element has
  // its request key, so the elements a lost commit did write are replayed, not written again.
  auto result = database_->run("cart_add_many", 1, [&](Connection& c) -> Result<Outcomes> {
    pqxx::nontransaction tx{c.db};
    pqxx::result r;
    try {
      r = tx.exec_prepared("cart_add_many", sql::text_array(keys), sql::text_array(previous_keys),
                           sql::number_array(skus), sql::text_array(requests),
                           sql::number_array(max_skus), sql::number_array(max_units));
    } catch (const pqxx::undefined_function&) {
      function_missing = true;  // a database not migrated to this release yet (below)
      return Outcomes{};
    }
    if (r.size() != adds.size()) {
      return Error{ErrorKind::query, "cart_add_many: " + std::to_string(r.size()) +
                                         " answers for " + std::to_string(adds.size()) + " adds"};
    }
    Outcomes out(adds.size());
    for (std::size_t i = 0; i < r.size(); ++i) {
      const auto row = r[static_cast<pqxx::result::size_type>(i)];
      if (row[0].as<std::size_t>() != i + 1) {
        return Error{ErrorKind::query, "cart_add_many: answers out of order"};
      }
      out[i].status = row[1].as<int>();
      out[i].replayed = row[2].as<bool>();
      out[i].bound = as_text(row[3]);
    }
    return out;
  });
  if (!function_missing) return result;
  // The host runs ahead of the schema (migration 0003 not applied: docs/OPERATIONS.md "Schema
  // migrations", the host still serves): the adds one by one, one commit each, as before it.
  Outcomes out;
  out.reserve(adds.size());
  for (const CartAddRequest& add : adds) {
    auto one = add_to_cart(add);
    if (!one.ok()) return one.error();
    out.push_back(std::move(one.value()));
  }
  return out;
}

Result<std::int64_t> CartStore::forget_cart_requests() {
  return database_->run("cart_forget_requests", 1, [&](Connection& c) -> Result<std::int64_t> {
    pqxx::nontransaction tx{c.db};
    return as_i64(tx.exec_prepared("cart_forget_requests").at(0)[0]);
  });
}

Result<std::vector<model::CartLine>> CartStore::cart(const std::string& session_key,
                                                     const std::string& previous_key) {
  return database_->run("cart_list", 1, [&](Connection& c) -> Result<std::vector<model::CartLine>> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("cart_list", session_key, previous_key);
    std::vector<model::CartLine> lines;
    lines.reserve(r.size());
    for (const auto& row : r) lines.push_back({as_i64(row[0]), as_i64(row[1])});
    return lines;
  });
}

}  // namespace atelier::catalog
