#include "schema/migrations.hpp"

#include <pqxx/pqxx>
#include <stdexcept>

#include "atelier/schema/migration_text.hpp"

namespace atelier::schema {

namespace {

// pg_advisory_lock key of the migration runner ("atelier schema" as bytes, truncated).
constexpr long long kMigrationLock = 0x6174656c73636865LL;

constexpr std::string_view kVersionTable =
    "CREATE SCHEMA IF NOT EXISTS atelier; "
    "CREATE TABLE IF NOT EXISTS atelier.schema_migrations ("
    "  version    int PRIMARY KEY,"
    "  name       text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  applied_by text NOT NULL DEFAULT current_user)";

int database_version(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT coalesce(max(version), 0) FROM atelier.schema_migrations")[0].as<int>();
}

}  // namespace

std::span<const Migration> migrations() {
  return embedded::kMigrations;
}

int latest_version() {
  const auto list = migrations();
  return list.empty() ? 0 : list.back().version;
}

std::optional<std::string> numbering_problem(std::span<const Migration> list) {
  int expected = 1;
  for (const Migration& m : list) {
    if (m.version != expected) {
      return "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ") where " +
             std::to_string(expected) + " was expected: numbers run 1, 2, 3... " +
             "without gaps or repeats";
    }
    if (m.sql.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ") is empty";
    }
    ++expected;
  }
  return std::nullopt;
}

MigrateReport migrate(const std::string& database_url,
                      const std::function<void(std::string_view)>& log,
                      std::span<const Migration> list) {
  if (const auto problem = numbering_problem(list)) {
    throw std::logic_error("the built-in migrations are unusable: " + *problem);
  }
  const int known = list.empty() ? 0 : list.back().version;
  pqxx::connection conn(database_url);
  // Session-level: held across the per-migration transactions, released on disconnect.
  {
    pqxx::nontransaction lock(conn);
    lock.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
  }
  {
    pqxx::work tx(conn);
    tx.exec0(std::string(kVersionTable));
    tx.commit();
  }
  MigrateReport report;
  {
    pqxx::read_transaction tx(conn);
    report.from = database_version(tx);
  }
  report.to = report.from;
  if (report.from > known) {
    throw std::runtime_error("the database's schema is at version " + std::to_string(report.from) +
                             ", newer than the " + std::to_string(known) +
                             " this release knows: use the release that migrated it");
  }
  for (const Migration& m : list) {
    if (m.version <= report.from) continue;
    try {
      pqxx::work tx(conn);
      tx.exec0(std::string(m.sql));
      tx.exec_params0("INSERT INTO atelier.schema_migrations (version, name) VALUES ($1, $2)",
                      m.version, std::string(m.name));
      tx.commit();
    } catch (const std::exception& e) {
      throw std::runtime_error("migration " + std::to_string(m.version) + " (" +
                               std::string(m.name) + ") failed and was rolled back: " + e.what());
    }
    report.applied.push_back(m.version);
    report.to = m.version;
    if (log)
      log("schema migration=" + std::to_string(m.version) + " name=" + std::string(m.name) +
          " applied\n");
  }
  return report;
}

std::string_view state_name(CheckState state) {
  switch (state) {
    case CheckState::current:
      return "current";
    case CheckState::older:
      return "older";
    case CheckState::newer:
      return "newer";
    case CheckState::unversioned:
      return "unversioned";
    case CheckState::unknown:
      break;
  }
  return "unknown";
}

SchemaCheck classify(std::optional<int> database_version, int known) {
  SchemaCheck check;
  check.known_version = known;
  const std::string knows = "this binary knows version " + std::to_string(known);
  if (!database_version) {
    check.state = CheckState::unversioned;
    check.message = "the database has no atelier.schema_migrations table; " + knows +
                    ": run atelier-etl --migrate";
    return check;
  }
  check.database_version = *database_version;
  const std::string has =
      "the database's schema is at version " + std::to_string(*database_version);
  if (*database_version > known) {
    check.state = CheckState::newer;
    check.message = has + ", newer than " + knows +
                    "; refusing to serve: deploy the release that migrated it, or restore the "
                    "database from before that migration";
  } else if (*database_version < known) {
    check.state = CheckState::older;
    check.message = has + ", " + knows + ": run atelier-etl --migrate";
  } else {
    check.state = CheckState::current;
    check.message = has + ", as " + knows;
  }
  return check;
}

SchemaCheck check_schema(const std::string& database_url, int known) {
  try {
    pqxx::connection conn(with_connect_timeout(database_url, 5));
    pqxx::read_transaction tx(conn);
    const bool exists =
        tx.exec1("SELECT to_regclass('atelier.schema_migrations') IS NOT NULL")[0].as<bool>();
    if (!exists) return classify(std::nullopt, known);
    return classify(database_version(tx), known);
  } catch (const std::exception& e) {
    SchemaCheck check;
    check.known_version = known;
    check.message = std::string("could not read the schema version: ") + e.what();
    while (!check.message.empty() && check.message.back() == '\n') check.message.pop_back();
    return check;
  }
}

std::string with_connect_timeout(const std::string& database_url, int seconds) {
  const std::string timeout = "connect_timeout=" + std::to_string(seconds);
  if (database_url.find("connect_timeout=") != std::string::npos) return database_url;
  const bool is_url =
      database_url.starts_with("postgresql://") || database_url.starts_with("postgres://");
  if (!is_url) return database_url.empty() ? timeout : database_url + " " + timeout;
  return database_url + (database_url.find('?') == std::string::npos ? "?" : "&") + timeout;
}

}  // namespace atelier::schema
