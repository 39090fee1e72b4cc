// The Postgres side of the API: one CatalogReader per worker thread (libpqxx connections are not
// thread-safe, STACK-NOTES §2), prepared statements, one round trip per read (nontransaction).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/result.hpp"
#include "model/catalog.hpp"

namespace atelier::catalog {

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

class ReadEndpoints;

class CatalogReader {
 public:
  explicit CatalogReader(std::string conninfo);
  // Reads from whichever endpoint `endpoints` prefers (replicas first, the primary last), moving
  // when that changes; never for the cart, whose reads must see its own writes.
  explicit CatalogReader(std::shared_ptr<ReadEndpoints> endpoints);
  ~CatalogReader();
  CatalogReader(const CatalogReader&) = delete;
  CatalogReader& operator=(const CatalogReader&) = delete;
  CatalogReader(CatalogReader&&) noexcept;
  CatalogReader& operator=(CatalogReader&&) noexcept;

  // Products at ranks first..last (1-based, ascending id); empty past the end.
  Result<Versioned<std::vector<model::Product>>> product_page(std::int64_t first_rank,
                                                              std::int64_t last_rank);
  // nullopt value = unknown product.
  Result<Versioned<std::optional<model::ProductDetail>>> product_detail(std::int64_t product_id);
  Result<Versioned<std::optional<model::ProductStyles>>> product_styles(std::int64_t product_id);
  Result<Versioned<std::optional<model::RelatedIds>>> related(std::int64_t product_id);

  // Batch reads for the warm-up tool: every product with first_id <= id <= last_id, ascending.
  Result<Versioned<std::vector<model::ProductDetail>>> product_details_between(
      std::int64_t first_id, std::int64_t last_id);
  Result<Versioned<std::vector<model::ProductStyles>>> product_styles_between(std::int64_t first_id,
                                                                              std::int64_t last_id);
  Result<Versioned<std::vector<model::RelatedIds>>> related_between(std::int64_t first_id,
                                                                    std::int64_t last_id);
  // The same for a list of scattered ids (one `= ANY` statement each), ascending.
  Result<Versioned<std::vector<model::ProductDetail>>> product_details_in(
      std::span<const std::int64_t> ids);
  Result<Versioned<std::vector<model::ProductStyles>>> product_styles_in(
      std::span<const std::int64_t> ids);
  Result<Versioned<std::vector<model::RelatedIds>>> related_in(std::span<const std::int64_t> ids);
  // Id bounds of the active catalog: {min id, max id, product count}.
  struct Bounds {
    std::int64_t min_id = 0;
    std::int64_t max_id = 0;
    std::int64_t count = 0;
  };
  Result<Versioned<Bounds>> bounds();

  Result<std::int64_t> dataset_version();

  // Every product's revision and the publishes they include, from one snapshot (the hosts'
  // revision tables, catalog/change_feed.*).
  struct RevisionSnapshot {
    std::int64_t last_publish = 0;   // newest publish included (0: none yet)
    std::int64_t list_revision = 0;  // newest publish that changed any product
    std::vector<std::pair<std::int64_t, std::uint64_t>> revisions;  // (product id, revision)
  };
  Result<RevisionSnapshot> revisions();
  // The publishes after `after`, oldest first, with the products each changed.
  struct Publish {
    std::int64_t id = 0;
    std::int64_t dataset_version = 0;
    bool listed = true;             // false: too many to list, re-read every revision
    std::int64_t change_count = 0;  // changed + added + deleted
    std::vector<std::pair<std::int64_t, std::uint64_t>> changes;  // revision 0 = deleted
  };
  struct PublishLog {
    std::int64_t oldest_kept = 0;  // publishes before this one were trimmed
    std::vector<Publish> publishes;
  };
  Result<PublishLog> publishes_since(std::int64_t after);
  // The newest publish and the ids it changed or added, ascending (the warm-up's --changed).
  struct PublishChanges {
    std::int64_t publish = 0;  // 0: nothing published yet
    bool listed = true;        // false: too many to list (warm everything)
    std::vector<std::int64_t> ids;
  };
  Result<PublishChanges> last_publish_changes();
  Result<CartAddOutcome> add_to_cart(const CartAddRequest& add);
  // The active cart of a session key (or of its previous key; empty = none).
  Result<std::vector<model::CartLine>> cart(const std::string& session_key,
                                            const std::string& previous_key);
  // Drops request keys older than a day; returns how many.
  Result<std::int64_t> forget_cart_requests();

 private:
  struct Connection;  // wraps pqxx::connection; libpqxx stays out of this header
  template <typename Fn>
  auto run(const char* what, Fn&& fn) -> decltype(fn(std::declval<Connection&>()));
  // fn runs `statements` statements back to back; QueryWatchdog allows each the limit.
  template <typename Fn>
  auto run(const char* what, int statements, Fn&& fn) -> decltype(fn(std::declval<Connection&>()));
  // Ids first..last, or the list when it is not empty.
  struct IdSelection {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::span<const std::int64_t> list;
  };
  template <typename Value, typename Fill>
  Result<Versioned<Value>> read_ids(const char* statement, const IdSelection& ids, Fill&& fill);
  Result<Versioned<std::vector<model::ProductDetail>>> product_details_for(const IdSelection& ids);
  Result<Versioned<std::vector<model::ProductStyles>>> product_styles_for(const IdSelection& ids);
  Result<Versioned<std::vector<model::RelatedIds>>> related_for(const IdSelection& ids);
  Connection& connection();
  Connection& endpoint_connection();

  std::string conninfo_;
  std::shared_ptr<ReadEndpoints> endpoints_;  // null: always conninfo_
  std::size_t endpoint_ = 0;                  // index in endpoints_ of the open connection
  std::unique_ptr<Connection> connection_;
  // After a failed connect, further attempts wait this long, so a dead database makes requests
  // fail fast with 503 instead of each one waiting for connect_timeout.
  std::chrono::steady_clock::time_point next_connect_attempt_{};
};

}  // namespace atelier::catalog
