// Keeps the active dataset version in an atomic, re-read from Postgres on a fixed interval by one
// background thread. Cache keys carry this version (ATELIER cache issue), so a reload switches the
// host to new keys within one interval; a miss always stores under the version its rows came from.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace atelier::catalog {

class DatasetVersionWatcher {
 public:
  DatasetVersionWatcher(std::string conninfo, std::chrono::milliseconds interval);
  ~DatasetVersionWatcher();  // stops and joins the thread
  DatasetVersionWatcher(const DatasetVersionWatcher&) = delete;
  DatasetVersionWatcher& operator=(const DatasetVersionWatcher&) = delete;

  // 0 until a version was read once.
  std::int64_t version() const { return version_.load(std::memory_order_acquire); }
  // True when the last poll reached the database.
  bool database_reachable() const { return reachable_.load(std::memory_order_acquire); }
  // A newer version seen by a request (read in the same statement as its data) moves us forward
  // at once instead of waiting for the next poll.
  void observe(std::int64_t version);

 private:
  void loop(std::string conninfo);

  std::chrono::milliseconds interval_;
  std::atomic<std::int64_t> version_{0};
  std::atomic<bool> reachable_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace atelier::catalog
