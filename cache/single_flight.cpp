#include "cache/single_flight.hpp"

namespace atelier::cache {

Entry SingleFlight::load_once(std::string_view key, const std::function<Entry()>& loader) {
  std::promise<Entry> promise;
  std::shared_future<Entry> shared;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = flights_.find(key); it != flights_.end()) {
      shared = it->second;
    } else {
      flights_.emplace(std::string(key), promise.get_future().share());
    }
  }
  if (shared.valid()) {
    counters_.single_flight_waits.fetch_add(1, std::memory_order_relaxed);
    return shared.get();  // copy; rethrows the leader's exception
  }

  // Leader. Publish first, then remove the slot: a caller arriving in between shares a result
  // that is already complete instead of starting a second load.
  auto finish = [&] {
    std::lock_guard lock(mutex_);
    flights_.erase(flights_.find(key));
  };
  Entry entry;
  try {
    entry = loader();
  } catch (...) {
    promise.set_exception(std::current_exception());
    finish();
    throw;
  }
  promise.set_value(entry);
  finish();
  return entry;
}

std::size_t SingleFlight::in_flight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

}  // namespace atelier::cache
