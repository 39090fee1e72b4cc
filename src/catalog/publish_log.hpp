// Which dataset is active and what the publishes changed (catalog.publishes / catalog.changes): a
// host's ChangeFeed keeps its revision table with these reads, its readiness check asks the
// dataset version, and the warm-up's --changed asks the newest publish's products.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "catalog/result.hpp"

namespace atelier::catalog {

class Database;

// The dataset version a host's readiness check asks for, as an interface: PublishLogReader in
// production, a fake in the unit tests of http::Service (tests/unit/http/service_test.cpp).
class DatasetVersions {
 public:
  virtual ~DatasetVersions() = default;
  virtual Result<std::int64_t> dataset_version() = 0;
};

class PublishLogReader final : public DatasetVersions {
 public:
  explicit PublishLogReader(std::shared_ptr<Database> database);

  Result<std::int64_t> dataset_version() override;

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
  std::shared_ptr<Database> database_;
};

}  // namespace atelier::catalog
