#include "etl/cart_sessions.hpp"

#include <string>

namespace atelier::etl {

void fill_session_keys(PgSession& db, std::string_view source_table,
                       const session::SessionKeyer* keyer) {
  db.exec(
      "CREATE TEMP TABLE session_keys (session text PRIMARY KEY, session_key text NOT NULL) "
      "ON COMMIT DROP");
  // Sessions are printable ASCII (the API refuses others; cart.csv's are numbers), so the
  // tab-joined rows of query_rows split cleanly; one value per row here anyway.
  const auto sessions = db.query_rows("SELECT DISTINCT session FROM " + std::string(source_table) +
                                      " WHERE session IS NOT NULL");
  if (sessions.empty()) return;
  if (keyer == nullptr) {
    throw DatabaseError(
        "cart sessions must be stored as keyed hashes, but no session secret is configured: set "
        "ATELIER_SESSION_SECRET_FILE (docs/SECURITY.md)");
  }
  constexpr std::size_t kBatch = 500;
  std::string sql;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    sql.append(sql.empty() ? "INSERT INTO session_keys (session, session_key) VALUES (" : ", (");
    sql.append(db.literal(sessions[i]));
    sql.append(", '");
    sql.append(keyer->key(sessions[i]));
    sql.append("')");
    if ((i + 1) % kBatch == 0 || i + 1 == sessions.size()) {
      db.exec(sql);
      sql.clear();
    }
  }
}

long long key_raw_cart_sessions(PgSession& db, const session::SessionKeyer* keyer) {
  const std::string raw_column = db.query_value(
      "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'atelier' "
      "AND table_name = 'cart' AND column_name = 'session'");
  if (raw_column == "0") return 0;
  db.exec("BEGIN");
  try {
    fill_session_keys(db, "atelier.cart", keyer);
    const std::string migrated = db.query_value(
        "WITH moved AS (UPDATE atelier.cart c SET session_key = k.session_key "
        "FROM session_keys k WHERE c.session = k.session RETURNING 1) SELECT count(*) FROM moved");
    db.exec(
        "ALTER TABLE atelier.cart DROP COLUMN session; "
        "ALTER TABLE atelier.cart ALTER COLUMN session_key SET NOT NULL; COMMIT");
    return std::stoll(migrated);
  } catch (...) {
    db.rollback();
    throw;
  }
}

}  // namespace atelier::etl
