// What a load or a partial update records when it publishes (docs/ARCHITECTURE.md "Catalog
// changes"): one atelier.publishes row, the changed products with their new revisions in
// atelier.changes, and a NOTIFY on atelier_catalog, all inside the publishing transaction, so
// hosts hear of a change exactly when it becomes visible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etl/load_report.hpp"
#include "etl/pg_session.hpp"
#include "etl/revision.hpp"

namespace atelier::etl {

// The advisory lock a load or a partial update holds from start to publish: one at a time. Any
// constant works; it only has to be the same for every atelier-etl process.
inline constexpr long long kCatalogLockKey = 0x4174656c696572;  // "Atelier"

// Takes the catalog lock on `session`, waiting up to `wait` for another load or update to finish.
// False when it is still held after that.
bool lock_catalog(PgSession& session, std::chrono::seconds wait);
// Publishes that change more products than this are not listed row by row: hosts re-read every
// revision instead (about a second for a million products), and atelier.changes stays small.
inline constexpr std::size_t kMaxListedChanges = 200'000;
// Publishes kept in atelier.publishes (and their changes): a host that missed more re-reads all.
inline constexpr int kPublishesKept = 1000;

struct ProductChange {
  std::int64_t product_id = 0;
  std::optional<std::uint64_t> revision;  // nullopt: deleted
  std::optional<std::uint64_t> previous;  // nullopt: added
};

struct ChangeCounts {
  std::int64_t changed = 0;
  std::int64_t added = 0;
  std::int64_t deleted = 0;
  std::int64_t total() const { return changed + added + deleted; }
};

ChangeCounts count_changes(const std::vector<ProductChange>& changes);

// Both sorted by id. Products whose revision differs, that appear, or that disappear.
std::vector<ProductChange> diff_states(const std::vector<ProductState>& previous,
                                       const std::vector<ProductState>& next);

// The product states of a dataset schema, sorted by id; empty when the schema has none (a dataset
// loaded before revisions existed). `where` narrows it ("WHERE s.product_id = ANY(...)").
std::vector<ProductState> read_product_states(PgSession& session, const std::string& schema,
                                              const std::string& where = "");
// COPY of states into <table> (product_state's columns).
void copy_product_states(PgSession& session, const std::string& table,
                         const std::vector<ProductState>& states);

// Inside the caller's open transaction: the rejected and repaired lines of a load (publish_id 0)
// or of a partial update (its publish) into atelier.rejects.
void write_rejects(PgSession& session, std::int64_t version, std::int64_t publish_id,
                   const std::vector<RejectRecord>& rejects);

// Inside the caller's open transaction: the publishes row, its changes (unless there are more
// than kMaxListedChanges or `listed` is false), the NOTIFY, and the trimming of old publishes.
// Returns the publish id.
// What the publish read, all files: rows accepted, lines rejected and repaired.
struct LineCounts {
  std::int64_t rows = 0;
  std::int64_t rejected = 0;
  std::int64_t repaired = 0;
};
LineCounts count_lines(const std::vector<FileReport>& files);

std::int64_t record_publish(PgSession& session, std::int64_t dataset_version,
                            const std::string& kind, const std::string& source_dir,
                            const std::vector<ProductChange>& changes, bool listed,
                            const LineCounts& lines);

}  // namespace atelier::etl
