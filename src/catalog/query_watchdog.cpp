#include "catalog/query_watchdog.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace atelier::catalog {

namespace {
constexpr auto kTick = std::chrono::milliseconds(100);
}  // namespace

QueryWatchdog::~QueryWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueryWatchdog::set_limit(std::chrono::milliseconds limit) {
  std::lock_guard lock(mutex_);
  limit_ = limit;
  if (limit_.count() > 0 && !thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

QueryWatchdog::Watch QueryWatchdog::watch(int socket, int statements) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  if (socket >= 0) {
    queries_.emplace(id, Query{socket, std::max(statements, 1), std::chrono::steady_clock::now()});
  }
  return Watch(*this, id);
}

QueryWatchdog::Watch::~Watch() {
  owner_->forget(id_);
}

void QueryWatchdog::forget(std::uint64_t id) {
  // Under the mutex: once this returns the watchdog cannot touch the socket, so the caller may
  // close it (and the descriptor be reused) safely.
  std::lock_guard lock(mutex_);
  queries_.erase(id);
}

std::uint64_t QueryWatchdog::expired() const {
  std::lock_guard lock(mutex_);
  return expired_;
}

void QueryWatchdog::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (limit_.count() > 0) {
      const auto now = std::chrono::steady_clock::now();
      for (auto it = queries_.begin(); it != queries_.end();) {
        if (now - it->second.start > limit_ * it->second.statements) {
          ::shutdown(it->second.socket, SHUT_RDWR);
          ++expired_;
          it = queries_.erase(it);
        } else {
          ++it;
        }
      }
    }
    wake_.wait_for(lock, kTick, [this] { return stopping_; });
  }
}

}  // namespace atelier::catalog
