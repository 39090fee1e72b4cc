// The cart's side of PostgreSQL (docs/ARCHITECTURE.md "The cart"): adds, a session's cart, and the
// purge of day-old request keys. Always on the primary (DATABASE_URL), so a shopper reads their own
// writes. One per thread, like every Database.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "catalog/result.hpp"
#include "model/catalog.hpp"

namespace atelier::catalog {

class Database;

// One cart add (sql/meta.sql atelier.cart_add): the session's key (never the session itself),
// the request key that makes the add idempotent, and the session's bounds.
struct CartAddRequest {
  std::string session_key;
  std::string previous_key;  // the key under a secret being rotated out, or empty
  std::int64_t sku_id = 0;
  std::string request_key;
  int max_skus = 100;
  int max_units = 10;
};
// 201 added, 409 past a bound (`bound`: "units" or "skus"), 422 unknown sku or a request key
// reused for another sku (`bound`: "key_reused"); replayed = the request key's earlier answer.
struct CartAddOutcome {
  int status = 0;
  bool replayed = false;
  std::string bound;
};

// The cart's reads and writes as an interface: CartStore on the primary in production, a fake in
// the unit tests of http::Service (tests/unit/http/service_test.cpp).
class Carts {
 public:
  virtual ~Carts() = default;
  // Several adds in one statement (CartStore::add_to_cart): one outcome per add, in order.
  virtual Result<std::vector<CartAddOutcome>> add_to_cart(std::span<const CartAddRequest> adds) = 0;
  // The active cart of a session key (or of its previous key; empty = none).
  virtual Result<std::vector<model::CartLine>> cart(const std::string& session_key,
                                                    const std::string& previous_key) = 0;
  // Drops request keys older than a day; returns how many.
  virtual Result<std::int64_t> forget_cart_requests() = 0;
};

class CartStore final : public Carts {
 public:
  // Its own connection to the primary.
  explicit CartStore(std::string conninfo);
  // Shares `database` (a connection to the primary) with other users on the same thread, e.g. a
  // host's CatalogReader when it has no replicas to read from.
  explicit CartStore(std::shared_ptr<Database> database);
  ~CartStore();
  CartStore(const CartStore&) = delete;
  CartStore& operator=(const CartStore&) = delete;
  CartStore(CartStore&&) noexcept;
  CartStore& operator=(CartStore&&) noexcept;

  Result<CartAddOutcome> add_to_cart(const CartAddRequest& add);
  // Several adds in one statement, one transaction, one WAL flush (a group commit, docs/CART.md):
  // one outcome per add, in order, each what add_to_cart would have answered at its place in the
  // sequence. One add is add_to_cart's statement itself. A failure is the whole batch's (nothing
  // of it was written, or, after a broken connection, the retry replays what was).
  Result<std::vector<CartAddOutcome>> add_to_cart(std::span<const CartAddRequest> adds) override;
  Result<std::vector<model::CartLine>> cart(const std::string& session_key,
                                            const std::string& previous_key) override;
  Result<std::int64_t> forget_cart_requests() override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
