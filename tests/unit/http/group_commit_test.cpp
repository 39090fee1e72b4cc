// The leader/follower group commit (src/http/group_commit.hpp): a lone add commits at once on its
// own thread; adds that arrive during a commit queue without blocking and are committed together,
// in order, by the leader. Concurrency made with latches, never with sleeps.
#include "http/group_commit.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using atelier::http::GroupCommit;

namespace {

// What the commit function saw: each batch and the thread that committed it.
struct Recorder {
  std::mutex mutex;
  std::vector<std::vector<int>> batches;
  std::vector<std::thread::id> threads;

  void record(const std::vector<int>& batch) {
    std::lock_guard lock(mutex);
    batches.push_back(batch);
    threads.push_back(std::this_thread::get_id());
  }
};

// A commit function whose first `blocked` batches wait, each after saying it started, until
// released one by one: a commit in flight for as long as the test wants.
struct Gate {
  explicit Gate(int blocked) : blocked(blocked) {}
  int blocked;
  std::vector<std::latch*> entered;
  std::vector<std::latch*> release;
  int calls = 0;  // only the (single) leader thread touches it
  void pass() {
    const int call = calls++;
    if (call >= blocked) return;
    entered[static_cast<std::size_t>(call)]->count_down();
    release[static_cast<std::size_t>(call)]->wait();
  }
};

}  // namespace

TEST(GroupCommit, ALoneAddCommitsAtOnceOnTheCallingThread) {
  Recorder seen;
  GroupCommit<int> group(8, [&](std::vector<int>& batch) { seen.record(batch); });
  EXPECT_TRUE(group.add(7));
  ASSERT_EQ(seen.batches.size(), 1u);
  EXPECT_EQ(seen.batches[0], std::vector<int>{7});
  EXPECT_EQ(seen.threads[0], std::this_thread::get_id());
  // Nothing in flight afterwards: the next add leads again, again alone.
  EXPECT_TRUE(group.add(8));
  ASSERT_EQ(seen.batches.size(), 2u);
  EXPECT_EQ(seen.batches[1], std::vector<int>{8});
  const auto stats = group.stats();
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_EQ(stats.items, 2u);
  EXPECT_EQ(stats.led, 2u);
  EXPECT_EQ(stats.largest, 1u);
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST(GroupCommit, AddsDuringACommitQueueWithoutBlockingAndTheLeaderCommitsThemAsOneBatch) {
  Recorder seen;
  std::latch entered(1), release(1);
  Gate gate(1);
  gate.entered = {&entered};
  gate.release = {&release};
  GroupCommit<int> group(8, [&](std::vector<int>& batch) {
    seen.record(batch);
    gate.pass();
  });
  std::thread leader([&] { EXPECT_TRUE(group.add(1)); });
  entered.wait();  // the leader's commit is in flight
  // These return at once (the test would hang here otherwise): queued for the next batch.
  EXPECT_FALSE(group.add(2));
  EXPECT_FALSE(group.add(3));
  EXPECT_FALSE(group.add(4));
  auto stats = group.stats();
  EXPECT_EQ(stats.in_flight, 1u);
  EXPECT_EQ(stats.waiting, 3u);
  EXPECT_EQ(stats.batches, 1u);
  release.count_down();
  const auto leader_id = leader.get_id();
  leader.join();
  ASSERT_EQ(seen.batches.size(), 2u);
  EXPECT_EQ(seen.batches[0], std::vector<int>{1});
  EXPECT_EQ(seen.batches[1], (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(seen.threads[0], leader_id);
  EXPECT_EQ(seen.threads[1], leader_id);
  stats = group.stats();
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_EQ(stats.items, 4u);
  EXPECT_EQ(stats.led, 1u);
  EXPECT_EQ(stats.largest, 3u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST(GroupCommit, TheLeaderGoesOnWhileAddsKeepArrivingAndCapsEachBatch) {
  Recorder seen;
  std::latch entered1(1), release1(1), entered2(1), release2(1);
  Gate gate(2);
  gate.entered = {&entered1, &entered2};
  gate.release = {&release1, &release2};
  GroupCommit<int> group(2, [&](std::vector<int>& batch) {
    seen.record(batch);
    gate.pass();
  });
  std::thread leader([&] { group.add(1); });
  entered1.wait();
  for (int i = 2; i <= 4; ++i) EXPECT_FALSE(group.add(i));
  release1.count_down();
  entered2.wait();  // the second batch, {2, 3} (two at most), is in flight; 4 waits
  EXPECT_EQ(group.stats().waiting, 1u);
  for (int i = 5; i <= 7; ++i) EXPECT_FALSE(group.add(i));
  release2.count_down();
  leader.join();
  const std::vector<std::vector<int>> expected = {{1}, {2, 3}, {4, 5}, {6, 7}};
  EXPECT_EQ(seen.batches, expected);
  EXPECT_EQ(group.stats().largest, 2u);
}

TEST(GroupCommit, ACommitThatThrowsDoesNotStopTheBatchesAfterIt) {
  Recorder seen;
  std::latch entered(1), release(1);
  GroupCommit<int> group(8, [&](std::vector<int>& batch) {
    seen.record(batch);
    if (batch.front() == 1) {
      entered.count_down();
      release.wait();
      throw std::runtime_error("lost the connection");
    }
  });
  std::thread leader([&] { group.add(1); });
  entered.wait();
  EXPECT_FALSE(group.add(2));
  release.count_down();
  leader.join();
  ASSERT_EQ(seen.batches.size(), 2u);
  EXPECT_EQ(seen.batches[1], std::vector<int>{2});
  EXPECT_EQ(group.stats().in_flight, 0u);
  EXPECT_TRUE(group.add(3));  // and the next add leads
}

TEST(GroupCommit, ManyThreadsEveryItemCommittedOnceAndEachThreadsInOrder) {
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  Recorder seen;
  GroupCommit<int> group(16, [&](std::vector<int>& batch) { seen.record(batch); });
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) group.add(t * kEach + i);
    });
  }
  for (auto& t : threads) t.join();
  // Every item once; one thread's items in the order it added them.
  std::vector<int> last(kThreads, -1);
  std::vector<int> count(kThreads, 0);
  for (const auto& batch : seen.batches) {
    EXPECT_LE(batch.size(), 16u);
    for (int item : batch) {
      const int t = item / kEach;
      EXPECT_GT(item, last[static_cast<std::size_t>(t)]);
      last[static_cast<std::size_t>(t)] = item;
      ++count[static_cast<std::size_t>(t)];
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(count[static_cast<std::size_t>(t)], kEach);
  const auto stats = group.stats();
  EXPECT_EQ(stats.items, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(stats.batches, seen.batches.size());
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.waiting, 0u);
}

TEST(GroupCommit, WithACapOfZeroEveryAddCommitsAloneAtOnceEvenDuringACommit) {
  Recorder seen;
  std::latch entered(1), release(1);
  GroupCommit<int> group(0, [&](std::vector<int>& batch) {
    seen.record(batch);
    if (batch.front() == 1) {
      entered.count_down();
      release.wait();
    }
  });
  std::thread first([&] { EXPECT_TRUE(group.add(1)); });
  entered.wait();
  // Committed here and now, while 1's commit is still in flight: nothing queues.
  EXPECT_TRUE(group.add(2));
  EXPECT_EQ(group.stats().waiting, 0u);
  {
    std::lock_guard lock(seen.mutex);
    ASSERT_EQ(seen.batches.size(), 2u);
    EXPECT_EQ(seen.batches[1], std::vector<int>{2});
    EXPECT_EQ(seen.threads[1], std::this_thread::get_id());
  }
  release.count_down();
  first.join();
  EXPECT_EQ(group.stats().batches, 2u);
  EXPECT_EQ(group.stats().largest, 1u);
}

TEST(GroupCommit, WithTwoLeadersASecondAddCommitsAtOnceAndOnlyAThirdQueues) {
  Recorder seen;
  std::latch entered1(1), release1(1), entered2(1), release2(1);
  GroupCommit<int> group(
      8,
      [&](std::vector<int>& batch) {
        seen.record(batch);
        if (batch.front() == 1) {
          entered1.count_down();
          release1.wait();
        } else if (batch.front() == 2) {
          entered2.count_down();
          release2.wait();
        }
      },
      2);
  std::thread first([&] { EXPECT_TRUE(group.add(1)); });
  entered1.wait();
  std::thread second([&] { EXPECT_TRUE(group.add(2)); });  // a free slot: commits at once
  entered2.wait();
  EXPECT_EQ(group.stats().in_flight, 2u);
  EXPECT_FALSE(group.add(3));  // both slots busy: queued
  EXPECT_FALSE(group.add(4));
  release2.count_down();
  second.join();  // the leader of 2 committed {3, 4} before it returned
  release1.count_down();
  first.join();
  ASSERT_EQ(seen.batches.size(), 3u);
  EXPECT_EQ(seen.batches[2], (std::vector<int>{3, 4}));
  EXPECT_EQ(group.stats().in_flight, 0u);
  EXPECT_EQ(group.stats().led, 2u);
}
