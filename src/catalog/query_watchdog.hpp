// A deadline for queries, which libpq does not have. A server that stops answering without going
// away (a frozen process, a stuck disk: its kernel still acknowledges, so neither TCP keep-alives
// nor tcp_user_timeout end the wait, and statement_timeout is the server's own) would hold the
// querying thread for good: a host's worker threads, one by one, or the read-endpoint checker,
// which would then never mark the server down. The watchdog shuts down the socket of a query that
// runs past the limit; libpq sees the connection close and the caller gets
// pqxx::broken_connection, then reconnects or moves to another endpoint (found by the e2e test
// ReadReplica.WithTheStandbyFrozen...).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace atelier::catalog {

class QueryWatchdog {
 public:
  // One per host (http::Service owns it and hands it to every Database, the change feed and the
  // read-endpoint checker); its thread starts with the first watch while a limit is set.
  QueryWatchdog() = default;
  ~QueryWatchdog();  // stops and joins the thread
  QueryWatchdog(const QueryWatchdog&) = delete;
  QueryWatchdog& operator=(const QueryWatchdog&) = delete;

  // 0 (the default) = no deadline. Applies to queries already running too.
  void set_limit(std::chrono::milliseconds limit);

  // Watches the socket of one query (or of `statements` statements run back to back, each
  // allowed the limit) for as long as the Watch lives.
  class Watch {
   public:
    Watch(QueryWatchdog& owner, std::uint64_t id) : owner_(&owner), id_(id) {}
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    QueryWatchdog* owner_;
    std::uint64_t id_;
  };
  Watch watch(int socket, int statements = 1);

  // Queries whose socket was shut down since start (for tests and logs).
  std::uint64_t expired() const;

 private:
  struct Query {
    int socket;
    int statements;
    std::chrono::steady_clock::time_point start;
  };
  void loop();
  void forget(std::uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::milliseconds limit_{0};
  std::map<std::uint64_t, Query> queries_;
  std::uint64_t next_id_ = 1;
  std::uint64_t expired_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // started by the first watch with a limit
};

}  // namespace atelier::catalog
