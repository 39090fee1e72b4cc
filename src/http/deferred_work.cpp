#include "http/deferred_work.hpp"

namespace atelier::http {

DeferredWork::DeferredWork(Options options) : options_(std::move(options)) {
  workers_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i)
    workers_.emplace_back([this] { run_workers(); });
  deadline_thread_ = std::thread([this] { run_deadlines(); });
}

DeferredWork::~DeferredWork() {
  stop();
}

void DeferredWork::finish(const std::shared_ptr<Job>& job, Reply&& reply) {
  try {
    job->done(std::move(reply));
  } catch (...) {
    // Done must not throw; a failure to send is the connection's, not the pool's.
  }
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard lock(mutex_);
    idle_.notify_all();
  }
}

// What every copy of an Answer shares: the job, and a bare 500 if none of them answered it.
struct DeferredWork::Answer::State {
  State(DeferredWork& pool, std::shared_ptr<Job> job) : pool(pool), job(std::move(job)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (claim(*job)) {
      Reply bare;
      bare.status = 500;
      bare.no_body = true;
      pool.finish(job, std::move(bare));
    }
  }
  DeferredWork& pool;
  std::shared_ptr<Job> job;
};

void DeferredWork::Answer::operator()(Reply&& reply) const {
  if (claim(*state_->job)) state_->pool.finish(state_->job, std::move(reply));
}

bool DeferredWork::Answer::answered() const {
  return state_->job->answered.load(std::memory_order_acquire);
}

void DeferredWork::submit(Work work, Done done) {
  auto job = std::make_shared<Job>();
  job->work = std::move(work);
  job->done = std::move(done);
  enqueue(std::move(job));
}

void DeferredWork::submit_async(AsyncWork work, Done done) {
  auto job = std::make_shared<Job>();
  job->async_work = std::move(work);
  job->done = std::move(done);
  enqueue(std::move(job));
}

void DeferredWork::enqueue(std::shared_ptr<Job> job) {
  job->deadline = Clock::now() + options_.deadline;
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  {
    std::unique_lock lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(job);
      watched_.push_back(job);
      lock.unlock();
      // Only a worker is woken. The deadline thread needs no word of a new job: its deadline
      // (now + options_.deadline) is never before the moment that thread wakes anyway (see
      // run_deadlines), and at a shop's rate that wake would be one more thread switch for
      // every database request.
      work_ready_.notify_one();
      return;
    }
  }
  rejected_.fetch_add(1, std::memory_order_relaxed);
  claim(*job);
  finish(job, options_.overload_reply());
}

void DeferredWork::run_workers() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (job->answered.load(std::memory_order_acquire)) continue;  // the deadline answered it
    if (job->async_work) {
      run_async(job);
      continue;
    }
    Reply reply;
    try {
      reply = job->work();
    } catch (...) {
      reply.status = 500;  // Service's work never throws; a bare 500 if it ever did
      reply.no_body = true;
    }
    if (claim(*job)) finish(job, std::move(reply));
  }
}

void DeferredWork::run_async(const std::shared_ptr<Job>& job) {
  Answer answer(std::make_shared<Answer::State>(*this, job));
  try {
    job->async_work(answer);
  } catch (...) {
    Reply reply;  // as for a synchronous job that threw
    reply.status = 500;
    reply.no_body = true;
    answer(std::move(reply));
  }
}

void DeferredWork::run_deadlines() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Drop jobs that were answered (or freed) from the front; wait for the oldest deadline.
    while (!watched_.empty()) {
      auto job = watched_.front().lock();
      if (!job || job->answered.load(std::memory_order_acquire)) {
        watched_.pop_front();
        continue;
      }
      if (Clock::now() < job->deadline) break;
      watched_.pop_front();
      if (claim(*job)) {
        timed_out_.fetch_add(1, std::memory_order_relaxed);
        lock.unlock();
        finish(job, options_.timeout_reply());
        lock.lock();
      }
    }
    if (watched_.empty()) {
      // Nothing watched: sleep one deadline period. A job enqueued meanwhile is due no earlier
      // than the end of this sleep (its deadline is its enqueue time + the same period), so it is
      // never answered late, and enqueue() need not wake this thread.
      deadlines_stop_.wait_for(lock, options_.deadline, [&] { return stopping_; });
    } else {
      auto job = watched_.front().lock();
      const auto until = job ? job->deadline : Clock::now();
      job.reset();
      deadlines_stop_.wait_until(lock, until);
    }
  }
}

bool DeferredWork::wait_idle(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, limit, [&] { return in_flight_.load() == 0; });
}

void DeferredWork::stop() {
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    left.swap(queue_);
  }
  work_ready_.notify_all();
  deadlines_stop_.notify_all();
  for (auto& job : left) {
    if (claim(*job)) finish(job, options_.overload_reply());
  }
  for (auto& worker : workers_) worker.join();
  if (deadline_thread_.joinable()) deadline_thread_.join();
}

}  // namespace atelier::http
