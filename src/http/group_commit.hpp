// Group commit among the database workers, leader and follower (docs/CART.md "Group commit"), as
// PostgreSQL's own WAL flush and MySQL's binlog group commit share one flush between the commits
// that arrive while another is being flushed.
//
// add(item) on a worker thread (`leaders` commits may be in flight at once, 1 by default):
//  * fewer commits in flight than that: this call is a leader. It commits the item at once, on its
//  own thread
//    (a lone add costs no hand-over and no wait), then every batch that queued meanwhile, one
//    after the other, until none is left; then it returns.
//  * as many in flight: the item joins the next batch and add() returns at once, so the worker
//    goes back to other work; the first leader whose commit ends commits that batch.
// `commit` gets each batch (1..max_batch items, in the order they arrived) and answers every item
// itself (the reply is sent only after its batch committed). It runs on the leader's thread, so
// it may use that thread's database connection; it must not throw.
// max_batch 0 turns grouping off: every add() commits its item alone, at once, on its own thread,
// however many commits are in flight (the behaviour before group commit, for comparison).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

namespace atelier::http {

template <typename Item>
class GroupCommit {
 public:
  using Commit = std::function<void(std::vector<Item>& batch)>;

  struct Stats {
    std::uint64_t batches = 0;  // commits made (each one statement)
    std::uint64_t items = 0;    // items they held
    std::uint64_t led = 0;      // add() calls that committed (the rest queued for a leader)
    std::size_t largest = 0;    // the most items one batch held
    std::size_t waiting = 0;    // items queued for the next batch now
    std::size_t in_flight = 0;  // leaders committing now
  };

  GroupCommit(std::size_t max_batch, Commit commit, std::size_t leaders = 1)
      : max_batch_(max_batch),
        leaders_(std::max<std::size_t>(leaders, 1)),
        commit_(std::move(commit)) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // True when this call led (committed its item and whatever queued meanwhile), false when it
  // queued the item for the leader.
  bool add(Item item) {
    std::vector<Item> batch;
    if (max_batch_ == 0) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.led;
      }
      batch.push_back(std::move(item));
      run(batch);
      return true;
    }
    {
      std::lock_guard lock(mutex_);
      if (in_flight_ >= leaders_) {
        pending_.push_back(std::move(item));
        return false;
      }
      ++in_flight_;
      ++stats_.led;
    }
    batch.push_back(std::move(item));
    for (;;) {
      run(batch);
      batch.clear();
      std::lock_guard lock(mutex_);
      if (pending_.empty()) {
        --in_flight_;  // the next add() leads
        return true;
      }
      take_next_batch(batch);
    }
  }

  Stats stats() const {
    std::lock_guard lock(mutex_);
    Stats s = stats_;
    s.waiting = pending_.size();
    s.in_flight = in_flight_;
    return s;
  }

 private:
  void run(std::vector<Item>& batch) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.batches;
      stats_.items += batch.size();
      stats_.largest = std::max(stats_.largest, batch.size());
    }
    try {
      commit_(batch);
    } catch (...) {
      // Commit must not throw. If it did, its items stay unanswered here; the database workers'
      // deadline answers them (DeferredWork), and the next batches still run.
    }
  }

  // Under mutex_: the oldest max_batch_ pending items, in order.
  void take_next_batch(std::vector<Item>& batch) {
    if (pending_.size() <= max_batch_) {
      batch.swap(pending_);
      return;
    }
    const auto end = pending_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
    batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(end));
    pending_.erase(pending_.begin(), end);
  }

  const std::size_t max_batch_;
  const std::size_t leaders_;
  const Commit commit_;
  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::vector<Item> pending_;
  Stats stats_;
};

}  // namespace atelier::http
