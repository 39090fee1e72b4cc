#include "catalog/cart_store.hpp"

#include "catalog/database_run.hpp"

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
