#include "catalog/publish_log.hpp"

#include "catalog/product_rows.hpp"

namespace atelier::catalog {

namespace {
using Connection = Database::Connection;
}  // namespace

PublishLogReader::PublishLogReader(std::shared_ptr<Database> database)
    : database_(std::move(database)) {}

Result<std::int64_t> PublishLogReader::dataset_version() {
  return database_->run("dataset_version", 1, [&](Connection& c) -> Result<std::int64_t> {
    pqxx::nontransaction tx{c.db};
    const pqxx::result r = tx.exec_prepared("dataset_version");
    if (r.empty()) return Error{ErrorKind::not_loaded, "dataset_version: no active dataset"};
    return r[0][0].as<std::int64_t>();
  });
}

namespace {
constexpr int kSnapshotSlots = 8;
constexpr const char* kSnapshotStatementTimeout = "SET LOCAL statement_timeout = '20s'";
}  // namespace

Result<PublishLogReader::RevisionSnapshot> PublishLogReader::revisions() {
  const auto read = [&](Connection& c) -> Result<RevisionSnapshot> {
    // Repeatable read: the revisions and the last publish they include come from one snapshot,
    // so applying the publishes after it later misses nothing and repeats nothing.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx{c.db};
    // The connection's statement_timeout is a request's (ATELIER_DB_STATEMENT_TIMEOUT_MS, 2 s).
    // This read sends every product's revision (1,000,011 rows on the full catalog): beside the
    // page-view load it ran past 2 s, was cancelled and read everything again, so a rolling
    // restart's successor took 4.4-5.2 s to its revisions (one try now: 3.2-4.3 s). It gets a
    // bound of its own, for this transaction only.
    tx.exec0(kSnapshotStatementTimeout);
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
  };
  // BEGIN, SET LOCAL, two reads (every revision: the longest read there is), COMMIT; the
  // watchdog allows the transaction kSnapshotSlots times its limit (3 s by default: 24 s).
  return database_->run("revisions", kSnapshotSlots, read);
}

Result<PublishLogReader::PublishLog> PublishLogReader::publishes_since(std::int64_t after) {
  return database_->run("publishes_since", 2, [&](Connection& c) -> Result<PublishLog> {
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

Result<PublishLogReader::PublishChanges> PublishLogReader::last_publish_changes() {
  return database_->run("last_publish_changes", 1, [&](Connection& c) -> Result<PublishChanges> {
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
