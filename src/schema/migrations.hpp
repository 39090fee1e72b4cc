// Numbered schema migrations (sql/migrations/NNNN_name.sql) and the version table
// atelier.schema_migrations: atelier-etl applies the missing ones, once each, in order, each in
// its own transaction; a host reads the version at start and refuses a newer schema than it
// knows (docs/OPERATIONS.md, "Schema migrations").
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::schema {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The migrations built into this binary, ascending.
std::span<const Migration> migrations();
// The newest version this binary knows (the last migration's number).
int latest_version();

// Pure (unit-tested): why a list of migrations cannot be applied (not numbered 1, 2, 3... without
// gaps or repeats, or an empty text), or nothing when it can.
std::optional<std::string> numbering_problem(std::span<const Migration> list);

struct MigrateReport {
  int from = 0;  // the database's version before (0: no version table yet)
  int to = 0;
  std::vector<int> applied;
};
// Applies the migrations newer than the database's version under an advisory lock (two tools
// starting at once apply each migration once). Throws std::runtime_error when the database is
// newer than this binary, or when a migration fails (its transaction is rolled back; the ones
// before it stay applied). `log` gets one line per migration applied.
MigrateReport migrate(const std::string& database_url,
                      const std::function<void(std::string_view)>& log = {},
                      std::span<const Migration> list = migrations());

enum class CheckState {
  current,      // the version this binary knows
  older,        // migrations are missing: run atelier-etl --migrate (the host still serves)
  newer,        // made by a newer release: the host must not serve
  unversioned,  // no version table (a database no tool of this release has touched yet)
  unknown,      // unreachable or unreadable: checked again by nothing, the host degrades
};
struct SchemaCheck {
  CheckState state = CheckState::unknown;
  int database_version = 0;
  int known_version = 0;
  std::string message;  // one sentence for the log
};
// Reads the database's schema version (connect timeout 5 s) and compares it with `known`.
SchemaCheck check_schema(const std::string& database_url, int known = latest_version());
// Pure: the state and message for a database version against the known one.
SchemaCheck classify(std::optional<int> database_version, int known);
std::string_view state_name(CheckState state);

// Pure: the URL or key=value connection string with a connect_timeout added.
std::string with_connect_timeout(const std::string& database_url, int seconds);

}  // namespace atelier::schema
