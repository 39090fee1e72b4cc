// Which PostgreSQL a host reads its catalog from (issue 13): streaming replicas first, the primary
// as the last fall-back. A background thread checks every endpoint (reachable? replaying? how far
// behind?); CatalogReader asks preferred() each time it opens its connection and moves when the
// answer changes. The cart never comes here: it reads and writes the primary (read-your-writes).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace atelier::catalog {

class QueryWatchdog;

// What the last check of one endpoint found.
struct EndpointHealth {
  bool reachable = false;
  bool in_recovery = false;  // a hot standby (false for the primary)
  double lag_seconds = 0;    // replay delay; 0 when everything received has been replayed
  bool checked = false;      // false until the first check ran
};

// Pure: index of the first endpoint that is usable (not yet checked, or reachable, in recovery and
// no further behind than max_lag). The last endpoint (the primary) is the answer when none is.
std::size_t choose_endpoint(const std::vector<EndpointHealth>& health,
                            std::chrono::milliseconds max_lag);

// "postgresql://user:secret@10.0.0.2:5432/db" -> "10.0.0.2:5432": for labels and logs, never the
// password.
std::string endpoint_label(std::string_view url);

class ReadEndpoints {
 public:
  // conninfos in order of preference, the primary last; labels name them in /metrics. `watchdog`
  // (required) cuts a check that hangs, so a frozen server is marked down.
  ReadEndpoints(std::vector<std::string> conninfos, std::vector<std::string> labels,
                std::chrono::milliseconds max_lag, std::chrono::milliseconds check_interval,
                std::shared_ptr<QueryWatchdog> watchdog);
  ~ReadEndpoints();  // stops and joins the checker
  ReadEndpoints(const ReadEndpoints&) = delete;
  ReadEndpoints& operator=(const ReadEndpoints&) = delete;

  std::size_t size() const { return conninfos_.size(); }
  const std::string& conninfo(std::size_t index) const { return conninfos_[index]; }
  const std::string& label(std::size_t index) const { return labels_[index]; }
  std::size_t preferred() const { return preferred_.load(std::memory_order_relaxed); }
  // A reader failed to connect to (or lost) this endpoint: skip it until the next check says
  // otherwise, so the other workers do not each pay for the same discovery.
  void report_failure(std::size_t index);
  std::vector<EndpointHealth> health() const;

 private:
  void check_loop();
  void publish(std::size_t index, const EndpointHealth& health);

  const std::vector<std::string> conninfos_;
  const std::vector<std::string> labels_;
  const std::chrono::milliseconds max_lag_;
  const std::chrono::milliseconds check_interval_;
  const std::shared_ptr<QueryWatchdog> watchdog_;
  mutable std::mutex mutex_;
  std::vector<EndpointHealth> health_;
  std::atomic<std::size_t> preferred_{0};
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread checker_;  // last: started after everything it reads
};

}  // namespace atelier::catalog
