// One PostgreSQL connection of the catalog library, shared by its readers and the cart store:
// opened on first use (with every statement of queries.hpp prepared), dropped and rebuilt after a
// broken connection, paused kReconnectPause after a failed connect, and, given ReadEndpoints, moved
// to the endpoint they prefer. Not thread-safe (libpqxx connections are not): one per thread. The
// statements themselves run through database_run.hpp, which only the library's .cpp files include
// (libpqxx stays out of this header).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace atelier::catalog {

class ReadEndpoints;

class Database {
 public:
  // Always this conninfo.
  explicit Database(std::string conninfo);
  // Whichever endpoint `endpoints` prefers (replicas first, the primary last), moving when that
  // changes.
  explicit Database(std::shared_ptr<ReadEndpoints> endpoints);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  struct Connection;  // wraps pqxx::connection (database_run.hpp)

  // fn(Connection&) runs `statements` statements back to back; QueryWatchdog allows each the
  // limit. Failures come back as catalog::Error (database_run.hpp says which kind for which).
  template <typename Fn>
  auto run(const char* what, int statements, Fn&& fn) -> decltype(fn(std::declval<Connection&>()));

 private:
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
