#include "catalog/version_watcher.hpp"

#include "catalog/reader.hpp"

namespace atelier::catalog {

DatasetVersionWatcher::DatasetVersionWatcher(std::string conninfo,
                                             std::chrono::milliseconds interval)
    : interval_(interval) {
  thread_ = std::thread([this, info = std::move(conninfo)]() mutable { loop(std::move(info)); });
}

DatasetVersionWatcher::~DatasetVersionWatcher() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DatasetVersionWatcher::observe(std::int64_t version) {
  std::int64_t current = version_.load(std::memory_order_acquire);
  // Versions only move forward: a slow request that read an older dataset never moves us back.
  while (version > current &&
         !version_.compare_exchange_weak(current, version, std::memory_order_acq_rel)) {
  }
}

void DatasetVersionWatcher::loop(std::string conninfo) {
  CatalogReader reader{std::move(conninfo)};
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    lock.unlock();
    auto result = reader.dataset_version();
    if (result.ok()) {
      // A reload can also go backwards on purpose (an operator re-publishing an older dataset
      // is not supported by the loader), so the poll result is authoritative.
      version_.store(result.value(), std::memory_order_release);
      reachable_.store(true, std::memory_order_release);
    } else {
      reachable_.store(result.error().kind == ErrorKind::timeout, std::memory_order_release);
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace atelier::catalog
