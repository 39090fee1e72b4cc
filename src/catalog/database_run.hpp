// Database::run, the connection it hands to statements and the field conversions every statement's
// reader uses. Included only by the catalog library's
// .cpp files: it brings in libpqxx.
#pragma once

#include <pqxx/pqxx>

#include "catalog/database.hpp"
#include "catalog/query_watchdog.hpp"
#include "catalog/result.hpp"

namespace atelier::catalog {

struct Database::Connection {
  explicit Connection(const std::string& conninfo);  // connects and prepares every statement
  pqxx::connection db;
};

// How run() reads a database error (database.cpp).
bool is_missing_catalog(const pqxx::sql_error& e);
bool is_timeout(const pqxx::sql_error& e);
bool is_stale_plan(const pqxx::sql_error& e);

// Field conversions every reader uses.
inline std::int64_t as_i64(const pqxx::field& f) {
  return f.as<std::int64_t>();
}

inline std::string as_text(const pqxx::field& f) {
  return std::string(f.c_str(), f.size());
}

template <typename Fn>
auto Database::run(const char* what, int statements, Fn&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  // One retry after a broken connection: libpqxx 6.4 reactivation is unreliable, so the
  // connection object is dropped and rebuilt instead.
  for (int attempt = 0;; ++attempt) {
    try {
      Connection& c = connection();
      const auto watch = QueryWatchdog::instance().watch(c.db.sock(), statements);
      return fn(c);
    } catch (const pqxx::broken_connection& e) {
      connection_.reset();
      if (attempt == 0 && std::chrono::steady_clock::now() >= next_connect_attempt_) continue;
      return Error{ErrorKind::unavailable, std::string(what) + ": " + e.what()};
    } catch (const pqxx::sql_error& e) {
      if (is_timeout(e)) return Error{ErrorKind::timeout, std::string(what) + ": timeout"};
      if (is_missing_catalog(e)) {
        return Error{ErrorKind::not_loaded, std::string(what) + ": catalog not loaded"};
      }
      // A view replaced by a reload between planning and execution can surface as a "cached
      // plan must not change result type" error; the statement is simply run again.
      if (attempt == 0 && is_stale_plan(e)) continue;
      return Error{ErrorKind::query, std::string(what) + ": " + e.what()};
    } catch (const pqxx::transaction_rollback& e) {
      // Deadlock or serialization failure (40P01 / 40001; libpqxx 6.4 derives these from
      // pqxx::failure, not sql_error): the statement lost a lock conflict, e.g. with a publish.
      // Nothing was read; it is run once more, then reported as a transient 503.
      if (attempt == 0) continue;
      return Error{ErrorKind::timeout, std::string(what) + ": " + e.what()};
    } catch (const pqxx::in_doubt_error& e) {
      connection_.reset();
      return Error{ErrorKind::unavailable, std::string(what) + ": " + e.what()};
    } catch (const std::exception& e) {
      // Anything else (conversion error, library failure) leaves the connection state unknown.
      connection_.reset();
      return Error{ErrorKind::query, std::string(what) + ": " + e.what()};
    }
  }
}

}  // namespace atelier::catalog
