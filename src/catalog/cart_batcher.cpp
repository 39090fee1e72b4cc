#include "catalog/cart_batcher.hpp"

#include <chrono>
#include <utility>

namespace atelier::catalog {

namespace {

Error stopped_error() {
  return Error{ErrorKind::unavailable, "cart: the host is stopping"};
}

// A callback's exception must not end the batcher's thread (nor leave the batch's other callbacks
// uncalled); the callback's owner answers its own failures.
template <typename Done, typename Value>
void call(Done& done, Value&& value) noexcept {
  try {
    done(std::forward<Value>(value));
  } catch (...) {
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One statement for a whole batch: `input` gives each request's part, `statement` runs them all,
// and each request's callback gets its element of the answer, or the statement's error.
template <typename Pending, typename Input, typename Statement, typename Observe>
void run_batch(std::vector<Pending>& batch, Input input, Statement statement,
               const Observe& observe) {
  std::vector<decltype(input(batch.front()))> inputs;
  try {
    inputs.reserve(batch.size());
    for (const Pending& p : batch) inputs.push_back(input(p));
  } catch (...) {
    for (Pending& p : batch) call(p.done, Error{ErrorKind::query, "cart: out of memory"});
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = statement(inputs);
  if (observe) observe(seconds_since(start), !result.ok());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (result.ok()) {
      call(batch[i].done, std::move(result.value()[i]));
    } else {
      call(batch[i].done, result.error());
    }
  }
}

}  // namespace

CartBatcher::CartBatcher(CartBatcherOptions options)
    : options_(std::move(options)), reader_(options_.conninfo), thread_([this] { loop(); }) {}

CartBatcher::~CartBatcher() {
  stop();
}

void CartBatcher::add(std::string session, std::int64_t sku_id, AddDone done) noexcept {
  submit(adds_, PendingAdd{{std::move(session), sku_id}, std::move(done)});
}

void CartBatcher::read(std::string session, ReadDone done) noexcept {
  submit(reads_, PendingRead{std::move(session), std::move(done)});
}

template <typename Pending>
void CartBatcher::submit(std::deque<Pending>& queue, Pending pending) noexcept {
  try {
    std::unique_lock lock(mutex_);
    if (!stopping_) {
      queue.push_back(std::move(pending));
      lock.unlock();
      wake_.notify_one();
      return;
    }
  } catch (...) {
    // push_back's strong guarantee: `pending` is intact and answered below.
  }
  call(pending.done, stopped_error());
}

void CartBatcher::stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void CartBatcher::loop() {
  std::vector<PendingAdd> adds;
  std::vector<PendingRead> reads;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !adds_.empty() || !reads_.empty(); });
      if (adds_.empty() && reads_.empty()) return;  // stopping, and everything was answered
      // No waiting for more: the batch is what queued up while the previous one ran, so a lone
      // add costs one commit and a crowd shares them.
      while (!adds_.empty() && adds.size() < options_.max_batch) {
        adds.push_back(std::move(adds_.front()));
        adds_.pop_front();
      }
      while (!reads_.empty() && reads.size() < options_.max_batch) {
        reads.push_back(std::move(reads_.front()));
        reads_.pop_front();
      }
    }
    // Adds first: a read queued beside an add of its session sees that add too.
    if (!adds.empty()) run_adds(adds);
    if (!reads.empty()) run_reads(reads);
    adds.clear();
    reads.clear();
  }
}

void CartBatcher::run_adds(std::vector<PendingAdd>& adds) {
  run_batch(
      adds, [](const PendingAdd& a) { return a.item; },
      [this](const std::vector<CartItem>& items) { return reader_.add_to_carts(items); },
      options_.observe);
}

void CartBatcher::run_reads(std::vector<PendingRead>& reads) {
  run_batch(
      reads, [](const PendingRead& r) { return r.session; },
      [this](const std::vector<std::string>& sessions) { return reader_.carts(sessions); },
      options_.observe);
}

}  // namespace atelier::catalog
