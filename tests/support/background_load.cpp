#include "background_load.hpp"

#include <chrono>

#include "http_client.hpp"

namespace atelier::testing {

BackgroundLoad::BackgroundLoad(std::string base_url, int threads, Target target)
    : base_url_(std::move(base_url)), target_(std::move(target)) {
  for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { run(t); });
}

BackgroundLoad::~BackgroundLoad() {
  stop();
}

void BackgroundLoad::stop() {
  done_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string BackgroundLoad::first_failure() const {
  std::lock_guard lock(mutex_);
  return first_failure_;
}

void BackgroundLoad::run(int thread) {
  for (std::int64_t i = 0; !done_.load(); ++i) {
    auto r = http_get(base_url_, target_(thread, i));
    requests_.fetch_add(1);
    if (r.status != 200) {
      failures_.fetch_add(1);
      std::lock_guard lock(mutex_);
      if (first_failure_.empty()) {
        first_failure_ = std::to_string(r.status) + " " + r.error + " " + r.body;
      }
    }
    // Paced: unpaced, a few clients open tens of thousands of loopback connections per second,
    // enough to run the client out of ephemeral ports, which would say nothing about the server.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace atelier::testing
