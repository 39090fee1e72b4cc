#include "catalog/read_endpoints.hpp"

#include <memory>
#include <pqxx/pqxx>

#include "catalog/query_watchdog.hpp"

namespace atelier::catalog {

namespace {

// One round trip per check. The lag is the age of the last replayed transaction only while WAL
// is waiting to be replayed: on an idle primary nothing new arrives, and now() minus the last
// replay timestamp would grow without the replica being behind at all. A standby that has
// replayed no commit since it started (a new one, fresh from its base backup) has no replay
// timestamp: whatever it replayed last is older than its start, so the time since its start is
// the lag (it was 0, and such a replica was never skipped however far behind it fell).
constexpr const char* kCheckSql =
    "SELECT pg_is_in_recovery(),"
    " CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NULL"
    "           OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0"
    "      ELSE EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(pg_last_xact_replay_timestamp(),"
    "                                                           pg_postmaster_start_time()))"
    " END::float8";

}  // namespace

std::size_t choose_endpoint(const std::vector<EndpointHealth>& health,
                            std::chrono::milliseconds max_lag) {
  if (health.empty()) return 0;
  const double max_lag_s = std::chrono::duration<double>(max_lag).count();
  for (std::size_t i = 0; i + 1 < health.size(); ++i) {
    const EndpointHealth& h = health[i];
    if (!h.checked) return i;  // optimistic at start: the first reader's connect is the check
    // A member that answers but is not in recovery is no replica (with Patroni, a promoted one is
    // the leader now): the leader's own endpoint, last, serves instead.
    if (h.reachable && h.in_recovery && h.lag_seconds <= max_lag_s) return i;
  }
  return health.size() - 1;
}

std::string endpoint_label(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "conninfo";
  url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?"));
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  return std::string(url);
}

ReadEndpoints::ReadEndpoints(std::vector<std::string> conninfos, std::vector<std::string> labels,
                             std::chrono::milliseconds max_lag,
                             std::chrono::milliseconds check_interval,
                             std::shared_ptr<QueryWatchdog> watchdog)
    : conninfos_(std::move(conninfos)),
      labels_(std::move(labels)),
      max_lag_(max_lag),
      check_interval_(check_interval),
      watchdog_(std::move(watchdog)),
      health_(conninfos_.size()),
      checker_([this] { check_loop(); }) {}

ReadEndpoints::~ReadEndpoints() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  checker_.join();
}

void ReadEndpoints::report_failure(std::size_t index) {
  EndpointHealth down;
  down.checked = true;
  publish(index, down);
}

std::vector<EndpointHealth> ReadEndpoints::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void ReadEndpoints::publish(std::size_t index, const EndpointHealth& health) {
  std::lock_guard lock(mutex_);
  if (index >= health_.size()) return;
  health_[index] = health;
  preferred_.store(choose_endpoint(health_, max_lag_), std::memory_order_relaxed);
}

void ReadEndpoints::check_loop() {
  // One connection per endpoint, kept between checks and rebuilt after any failure.
  std::vector<std::unique_ptr<pqxx::connection>> connections(conninfos_.size());
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    for (std::size_t i = 0; i < conninfos_.size(); ++i) {
      EndpointHealth h;
      h.checked = true;
      try {
        if (!connections[i]) connections[i] = std::make_unique<pqxx::connection>(conninfos_[i]);
        const auto watch = watchdog_->watch(connections[i]->sock());
        pqxx::nontransaction tx(*connections[i]);
        const pqxx::row row = tx.exec1(kCheckSql);
        h.reachable = true;
        h.in_recovery = row[0].as<bool>();
        h.lag_seconds = row[1].as<double>();
      } catch (const std::exception&) {
        connections[i].reset();
      }
      publish(i, h);
    }
    lock.lock();
    wake_.wait_for(lock, check_interval_, [this] { return stopping_; });
  }
}

}  // namespace atelier::catalog
