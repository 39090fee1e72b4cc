// Database work off the request threads (docs/ARCHITECTURE.md "Database work and deadlines").
//
// A Pistache worker thread serves every connection pinned to it; if it waited on PostgreSQL, a
// hung database (a stopped server, a dropped link: the kernel keeps the connection, so no error
// comes) would stall every cached read on that thread too. So requests that need the database (a
// cart request, a cache miss) are handed to this pool, and the request thread goes back to its
// connections at once. Cached reads never come here: they cost no hand-over at all.
//
// Each job has a deadline. A job still queued or running when it passes is answered by the
// deadline thread with the given timeout reply (503 + Retry-After); whichever of the two answers
// first wins, the other's answer is dropped. A job that finds its deadline passed before it starts
// is not run. A full queue answers at once with the overload reply.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/reply.hpp"

namespace atelier::http {

class DeferredWork {
 public:
  using Clock = std::chrono::steady_clock;
  using Work = std::function<Reply()>;
  // Called exactly once per job, on a pool thread, the deadline thread or the submitting thread
  // (queue full, or stopped). Must not throw.
  using Done = std::function<void(Reply&&)>;
  // The replies the pool makes itself.
  using MakeReply = std::function<Reply()>;

  struct Options {
    std::size_t threads = 4;
    std::size_t max_queued = 512;
    std::chrono::milliseconds deadline{2500};
    MakeReply timeout_reply;   // a job past its deadline
    MakeReply overload_reply;  // the queue is full, or the pool is stopping
  };

  // How an asynchronous job (submit_async) answers, from any thread, at any time: the first
  // answer of a job wins, as between a job and its deadline. Copyable; when the last copy goes
  // without answering, the job is answered with a bare 500, so no job stays in flight forever.
  class Answer {
   public:
    void operator()(Reply&& reply) const;
    // The job was answered already (its deadline passed, or an earlier call).
    bool answered() const;

   private:
    friend class DeferredWork;
    struct State;
    explicit Answer(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
  };
  // A job that answers through `answer` when it can: e.g. a cart add queued for the next group
  // commit (group_commit.hpp), whose worker goes back to other work at once.
  using AsyncWork = std::function<void(Answer answer)>;

  explicit DeferredWork(Options options);
  ~DeferredWork();  // stop(): waits for running jobs' threads, answers queued ones
  DeferredWork(const DeferredWork&) = delete;
  DeferredWork& operator=(const DeferredWork&) = delete;

  void submit(Work work, Done done);
  // The same for work that answers later, maybe from another thread. Deadline, queue bound and
  // stop() treat it like any job; a worker that runs it is free once `work` returns.
  void submit_async(AsyncWork work, Done done);

  // Jobs submitted and not yet answered.
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  // Waits until nothing is in flight or `limit` passed; true when nothing is.
  bool wait_idle(std::chrono::milliseconds limit);
  // Answers what is still queued with the overload reply and joins the threads. A thread stuck in
  // a job is waited for: its database call is bounded by the query watchdog.
  void stop();

  std::uint64_t timed_out() const { return timed_out_.load(std::memory_order_relaxed); }
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    Work work;
    AsyncWork async_work;  // set instead of work by submit_async
    Done done;
    Clock::time_point deadline;
    std::atomic<bool> answered{false};
  };
  // True for the one caller that gets to answer the job.
  static bool claim(Job& job) { return !job.answered.exchange(true, std::memory_order_acq_rel); }
  void finish(const std::shared_ptr<Job>& job, Reply&& reply);
  void enqueue(std::shared_ptr<Job> job);
  void run_async(const std::shared_ptr<Job>& job);
  void run_workers();
  void run_deadlines();

  const Options options_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable deadlines_stop_;  // only stop() notifies it
  std::condition_variable idle_;
  std::deque<std::shared_ptr<Job>> queue_;
  // Every job not yet answered, oldest deadline first (deadlines only grow, so a deque in
  // submission order is already sorted).
  std::deque<std::weak_ptr<Job>> watched_;
  bool stopping_ = false;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::uint64_t> timed_out_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::vector<std::thread> workers_;
  std::thread deadline_thread_;
};

}  // namespace atelier::http
