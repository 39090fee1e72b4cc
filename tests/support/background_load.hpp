// Concurrent GET clients running in the background while a test injects a fault (a killed host,
// a stopped Redis): counts requests and non-200 answers and keeps the first failure's details.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atelier::testing {

class BackgroundLoad {
 public:
  // `target(thread, i)` gives the i-th request target of client `thread`.
  using Target = std::function<std::string(int thread, std::int64_t i)>;

  BackgroundLoad(std::string base_url, int threads, Target target);
  ~BackgroundLoad();  // stops and joins
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;

  void stop();
  int requests() const { return requests_.load(); }
  int failures() const { return failures_.load(); }
  std::string first_failure() const;

 private:
  void run(int thread);

  const std::string base_url_;
  const Target target_;
  std::atomic<bool> done_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> failures_{0};
  mutable std::mutex mutex_;
  std::string first_failure_;
  std::vector<std::thread> threads_;
};

}  // namespace atelier::testing
