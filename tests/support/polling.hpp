// Waiting for a state instead of sleeping for a guessed time: a test polls what it waits for
// (a host's /readyz, a metric, a process) and fails when it does not come within a deadline that
// is generous, so a slow machine takes longer but never fails for it.
#pragma once

#include <chrono>
#include <thread>

namespace atelier::testing {

// Asks `condition` every `interval` until it holds (true) or `timeout` has passed (false).
template <typename Condition>
bool eventually(Condition&& condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace atelier::testing
