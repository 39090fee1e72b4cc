#include "http/deferred_work.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using atelier::http::DeferredWork;
using atelier::http::Reply;

namespace {

Reply status(int code) {
  Reply r;
  r.status = code;
  return r;
}

DeferredWork::Options options(std::size_t threads, std::size_t queued,
                              std::chrono::milliseconds deadline) {
  DeferredWork::Options o;
  o.threads = threads;
  o.max_queued = queued;
  o.deadline = deadline;
  o.timeout_reply = [] { return status(503); };
  o.overload_reply = [] { return status(529); };
  return o;
}

}  // namespace

TEST(DeferredWork, RunsAJobAndAnswersOnce) {
  DeferredWork work(options(2, 8, std::chrono::seconds(30)));
  std::promise<int> answered;
  work.submit([] { return status(201); }, [&](Reply&& r) { answered.set_value(r.status); });
  EXPECT_EQ(answered.get_future().get(), 201);
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
  EXPECT_EQ(work.in_flight(), 0u);
}

TEST(DeferredWork, AJobPastItsDeadlineIsAnsweredWhileItIsStillRunning) {
  // The job blocks until released, as a call into a stopped database would.
  DeferredWork work(options(1, 8, std::chrono::milliseconds(50)));
  std::latch release(1);
  std::mutex m;
  std::vector<int> answers;
  std::promise<void> first;
  work.submit(
      [&] {
        release.wait();
        return status(200);
      },
      [&](Reply&& r) {
        std::lock_guard lock(m);
        answers.push_back(r.status);
        first.set_value();
      });
  first.get_future().wait();  // the deadline thread's answer, while the job still blocks
  {
    std::lock_guard lock(m);
    ASSERT_EQ(answers, std::vector<int>{503});
  }
  release.count_down();
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
  work.stop();  // joins the worker: its late 200 must not be a second answer
  std::lock_guard lock(m);
  EXPECT_EQ(answers, std::vector<int>{503});
  EXPECT_EQ(work.timed_out(), 1u);
}

// enqueue() does not wake the deadline thread (one thread switch less per database request): a
// job that arrives while that thread sleeps through an idle period is still answered by its
// deadline, not only when its work ends.
TEST(DeferredWork, AJobArrivingAfterAnIdleSpellIsStillAnsweredByItsDeadline) {
  DeferredWork work(options(1, 8, std::chrono::milliseconds(50)));
  std::this_thread::sleep_for(std::chrono::milliseconds(180));  // idle: the thread sleeps
  std::latch release(1);
  std::promise<int> answered;
  work.submit(
      [&] {
        release.wait();
        return status(200);
      },
      [&](Reply&& r) { answered.set_value(r.status); });
  auto answer = answered.get_future();
  // Not a speed target: 5 s only keeps a broken deadline from hanging the test; the job itself
  // would never end before release.
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "the stuck job was not answered by its deadline";
  EXPECT_EQ(answer.get(), 503);
  release.count_down();
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
  EXPECT_EQ(work.timed_out(), 1u);
}

TEST(DeferredWork, AJobQueuedBehindAStuckOneTimesOutAndIsNeverRun) {
  DeferredWork work(options(1, 8, std::chrono::milliseconds(50)));
  std::latch release(1);
  std::atomic<int> second_ran{0};
  std::promise<int> second_answer;
  work.submit(
      [&] {
        release.wait();
        return status(200);
      },
      [](Reply&&) {});
  work.submit(
      [&] {
        second_ran = 1;
        return status(200);
      },
      [&](Reply&& r) { second_answer.set_value(r.status); });
  EXPECT_EQ(second_answer.get_future().get(), 503);
  release.count_down();
  work.stop();
  EXPECT_EQ(second_ran.load(), 0);
}

TEST(DeferredWork, AFullQueueAnswersAtOnce) {
  DeferredWork work(options(1, 1, std::chrono::seconds(30)));
  std::latch started(1);
  std::latch release(1);
  work.submit(
      [&] {
        started.count_down();
        release.wait();
        return status(200);
      },
      [](Reply&&) {});
  started.wait();                                           // the worker holds job 1
  work.submit([] { return status(200); }, [](Reply&&) {});  // queued
  int third = 0;
  work.submit([] { return status(200); }, [&](Reply&& r) { third = r.status; });
  EXPECT_EQ(third, 529);  // answered on the submitting thread, before submit returned
  EXPECT_EQ(work.rejected(), 1u);
  release.count_down();
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
}

TEST(DeferredWork, StopAnswersWhatIsStillQueued) {
  auto work = std::make_unique<DeferredWork>(options(1, 8, std::chrono::seconds(30)));
  std::latch started(1);
  std::latch release(1);
  work->submit(
      [&] {
        started.count_down();
        release.wait();
        return status(200);
      },
      [](Reply&&) {});
  started.wait();
  std::promise<int> queued;
  work->submit([] { return status(200); }, [&](Reply&& r) { queued.set_value(r.status); });
  std::thread stopper([&] { work->stop(); });
  EXPECT_EQ(queued.get_future().get(), 529);
  release.count_down();
  stopper.join();
}

TEST(DeferredWork, AnAsyncJobFreesItsWorkerAndIsAnsweredLaterFromAnotherThread) {
  // One worker: the second job can only run if the first one's worker went back to work before
  // the first job was answered.
  DeferredWork work(options(1, 8, std::chrono::seconds(30)));
  std::promise<DeferredWork::Answer> handed;
  std::promise<int> first;
  work.submit_async([&](DeferredWork::Answer answer) { handed.set_value(answer); },
                    [&](Reply&& r) { first.set_value(r.status); });
  std::promise<int> second;
  work.submit([] { return status(200); }, [&](Reply&& r) { second.set_value(r.status); });
  EXPECT_EQ(second.get_future().get(), 200);
  DeferredWork::Answer answer = handed.get_future().get();
  EXPECT_FALSE(answer.answered());
  // Still in flight until answered (the second job's count may not have dropped yet: its done()
  // runs just before the pool counts it out).
  EXPECT_GE(work.in_flight(), 1u);
  std::thread([answer] { answer(status(201)); }).join();
  EXPECT_EQ(first.get_future().get(), 201);
  EXPECT_TRUE(answer.answered());
  answer(status(409));  // a second answer is dropped
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
}

TEST(DeferredWork, AnAsyncJobPastItsDeadlineIsAnsweredByTheDeadlineAndTheLateAnswerDropped) {
  DeferredWork work(options(1, 8, std::chrono::milliseconds(50)));
  std::promise<DeferredWork::Answer> handed;
  std::mutex m;
  std::vector<int> answers;
  std::promise<void> answered_once;
  work.submit_async([&](DeferredWork::Answer answer) { handed.set_value(answer); },
                    [&](Reply&& r) {
                      std::lock_guard lock(m);
                      answers.push_back(r.status);
                      answered_once.set_value();
                    });
  DeferredWork::Answer answer = handed.get_future().get();
  answered_once.get_future().wait();
  EXPECT_TRUE(answer.answered());  // the item would be left out of a batch not yet committed
  answer(status(201));
  std::lock_guard lock(m);
  EXPECT_EQ(answers, std::vector<int>{503});
  EXPECT_EQ(work.timed_out(), 1u);
}

TEST(DeferredWork, AnAsyncJobWhoseAnswerIsDroppedUnansweredGetsA500) {
  DeferredWork work(options(1, 8, std::chrono::seconds(30)));
  std::promise<int> answered;
  work.submit_async([](DeferredWork::Answer) {}, [&](Reply&& r) { answered.set_value(r.status); });
  EXPECT_EQ(answered.get_future().get(), 500);
  std::promise<int> thrown;
  work.submit_async([](DeferredWork::Answer) { throw std::runtime_error("bug"); },
                    [&](Reply&& r) { thrown.set_value(r.status); });
  EXPECT_EQ(thrown.get_future().get(), 500);
  EXPECT_TRUE(work.wait_idle(std::chrono::seconds(5)));
}
