// Group commit for the cart (docs/CART.md): a host's cart adds and reads go through one thread
// with its own connection to the primary. Whatever arrived while the previous batch ran is sent
// as one batch: every add in one INSERT (one transaction, one WAL flush), then every read in one
// SELECT. Each request's callback runs once its batch is done, so an add is answered only after
// the commit that made it durable, and a read sees every add answered before it was submitted, on
// any host (all of them commit to and read from the same primary).
//
// Why a thread of its own: an add waits for its commit's WAL flush (synchronous_commit on). In a
// Pistache worker that wait blocks every other connection of the worker (STACK-NOTES §1.3); here
// the workers hand the request over and go on serving, and one flush covers the whole batch.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catalog/reader.hpp"

namespace atelier::catalog {

struct CartBatcherOptions {
  std::string conninfo;         // the primary: cart reads must see the cart's writes
  std::size_t max_batch = 256;  // adds (and, separately, reads) per statement at most
  // Called after every statement with its duration and whether it failed (metrics).
  std::function<void(double seconds, bool failed)> observe;
};

class CartBatcher {
 public:
  // Called exactly once, on the batcher's thread (or at once on the caller's when the batcher is
  // stopped). They must not throw; an exception is caught and logged nowhere.
  using AddDone = std::function<void(Result<CartAdd>)>;
  using ReadDone = std::function<void(Result<std::vector<model::CartLine>>)>;

  explicit CartBatcher(CartBatcherOptions options);
  // stop(), then join.
  ~CartBatcher();
  CartBatcher(const CartBatcher&) = delete;
  CartBatcher& operator=(const CartBatcher&) = delete;

  // Queue one add / one read. Never throw: when the request cannot be queued (stopped, out of
  // memory) `done` gets ErrorKind::unavailable at once.
  void add(std::string session, std::int64_t sku_id, AddDone done) noexcept;
  void read(std::string session, ReadDone done) noexcept;

  // Answers everything queued (its batches still run), then refuses new requests. Idempotent.
  void stop() noexcept;

 private:
  struct PendingAdd {
    CartItem item;
    AddDone done;
  };
  struct PendingRead {
    std::string session;
    ReadDone done;
  };

  // Queues `pending` on `queue`, or answers it at once when that is not possible.
  template <typename Pending>
  void submit(std::deque<Pending>& queue, Pending pending) noexcept;
  void loop();
  void run_adds(std::vector<PendingAdd>& adds);
  void run_reads(std::vector<PendingRead>& reads);

  const CartBatcherOptions options_;
  CatalogReader reader_;  // used by the batcher's thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PendingAdd> adds_;    // guarded by mutex_
  std::deque<PendingRead> reads_;  // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_
  std::thread thread_;             // last: started once everything above exists
};

}  // namespace atelier::catalog
