// The Postgres side of the API: one CatalogReader per worker thread (libpqxx connections are not
// thread-safe: a connection is never shared between threads), prepared statements, one round trip
// per read (nontransaction). The cart's writes are catalog/cart_store.hpp's.
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

class Database;
class ReadEndpoints;

class CatalogReader {
 public:
  explicit CatalogReader(std::string conninfo);
  // Reads from whichever endpoint `endpoints` prefers (replicas first, the primary last), moving
  // when that changes; never for the cart (CartStore), whose reads must see its own writes.
  explicit CatalogReader(std::shared_ptr<ReadEndpoints> endpoints);
  // Reads through `database`, which others on the same thread may share (catalog/cart_store.hpp).
  explicit CatalogReader(std::shared_ptr<Database> database);
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

 private:
  // fn runs `statements` statements back to back (Database::run).
  template <typename Fn>
  auto run(const char* what, Fn&& fn);
  template <typename Fn>
  auto run(const char* what, int statements, Fn&& fn);
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

  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
