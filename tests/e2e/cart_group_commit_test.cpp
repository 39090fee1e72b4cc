// The cart's group commit through real hosts and PostgreSQL (docs/CART.md "Group commit"): adds
// that arrive while a commit is in flight are written together, in one statement, by the leader;
// each is answered 201 only after that commit, so another host reads it at once (read-your-writes)
// and a PostgreSQL crash right after keeps it (durability). A database failure answers every add
// of a batch 503 with Retry-After, as it answers a lone add, and the retry with the same
// Idempotency-Key adds each once.
//
// A batch of more than one is made, not hoped for: the test holds a lock on
// atelier.cart_requests, so the first add (the leader) waits inside its commit; the adds sent
// meanwhile queue (the host's atelier_cart_adds_waiting says how many), and releasing the lock
// lets the leader commit them as one batch.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "cart_client.hpp"
#include "http_client.hpp"
#include "metrics_text.hpp"
#include "polling.hpp"
#include "stack_control.hpp"

namespace atelier::testing {
namespace {

// What these tests wait for (a lock taken, adds queued, a restarted stack) comes within this.
constexpr std::chrono::milliseconds kWait = std::chrono::seconds(20);

// An add with its Idempotency-Key, so that a retry adds once.
HttpResponse add(const std::string& host, const std::string& session, std::int64_t sku,
                 const std::string& idempotency_key) {
  return cart_add(host, session, sku, {{"Idempotency-Key", idempotency_key}});
}

// Holds atelier.cart_requests against writers while it lives (or until release()): a commit of
// a cart add waits inside PostgreSQL, as behind a slow disk.
class CartWritesHeld {
 public:
  CartWritesHeld() : db_(required_env("PG_PRIMARY_ADMIN_URL")), tx_(std::in_place, db_) {
    tx_->exec("LOCK TABLE atelier.cart_requests IN SHARE MODE");
  }
  void release() {
    if (tx_) tx_->commit();
    tx_.reset();
  }
  // Sessions waiting for the lock (a host's cart add inside its commit).
  static int waiting() {
    pqxx::connection c(required_env("PG_PRIMARY_ADMIN_URL"));
    pqxx::nontransaction tx(c);
    return tx
        .exec1(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
            "'atelier.cart_requests'::regclass")[0]
        .as<int>();
  }

 private:
  pqxx::connection db_;
  std::optional<pqxx::work> tx_;
};

// A leader waiting inside its commit on `host` and `followers` more adds queued behind it, each
// sent from its own thread (join() waits for their answers). With `read_host` set, each thread
// reads its session's cart there right after a 201 (read_units).
struct HeldBatch {
  std::vector<std::string> sessions;  // [0] is the leader's
  std::vector<std::string> keys;
  std::vector<HttpResponse> answers;
  std::string read_host;
  std::vector<std::int64_t> read_units;
  std::vector<std::thread> threads;

  void start(const std::string& host, int followers, std::int64_t sku, const std::string& name) {
    const int n = followers + 1;
    answers.resize(static_cast<std::size_t>(n));
    read_units.assign(static_cast<std::size_t>(n), -1);
    for (int i = 0; i < n; ++i) {
      sessions.push_back(session_token("group-commit-" + name + "-" + std::to_string(i)));
      keys.push_back(session_token("key-" + name + std::to_string(i)));
    }
    const double waiting_before = metric(host, "atelier_cart_adds_waiting");
    send(host, 0, sku);
    ASSERT_TRUE(eventually([] { return CartWritesHeld::waiting() >= 1; }, kWait))
        << "the leader's commit never reached PostgreSQL";
    for (int i = 1; i < n; ++i) send(host, i, sku);
    ASSERT_TRUE(eventually(
        [&] {
          return scrape(host, "atelier_cart_adds_waiting").value_or(-1) >=
                 waiting_before + followers;
        },
        kWait))
        << "the adds did not queue behind the leader";
  }
  void join() {
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~HeldBatch() { join(); }

 private:
  void send(const std::string& host, int i, std::int64_t sku) {
    const auto index = static_cast<std::size_t>(i);
    threads.emplace_back([this, host, index, sku] {
      answers[index] = add(host, sessions[index], sku, keys[index]);
      if (!read_host.empty() && answers[index].status == 201) {
        read_units[index] = cart_units(read_host, sessions[index], sku);
      }
    });
  }
};

// The leader's add alone, then `followers` adds in one batch, all answered.
void commit_held_batch(HeldBatch& batch, const std::string& host, int followers, std::int64_t sku,
                       const std::string& name) {
  {
    CartWritesHeld held;
    batch.start(host, followers, sku, name);
    held.release();
  }
  batch.join();
}

// After a PostgreSQL restart: every host serves again and the standby streams again, as the
// tests after these expect.
void expect_stack_recovered() {
  for (const char* host : {"HOST1_URL", "HOST2_URL", "HOST3_URL"}) {
    const std::string url = required_env(host);
    EXPECT_TRUE(eventually([&] { return http_get(url, "/readyz").status == 200; },
                           std::chrono::seconds(60)))
        << host << " is not ready after the restart";
  }
  EXPECT_TRUE(eventually(
      [] {
        return stack_control({"standby", "streaming"}) == 0;
      },
      std::chrono::seconds(60)))
      << "the standby does not stream from the restarted primary";
}

TEST(CartGroupCommit, AddsDuringACommitAreOneBatchAndAnotherHostReadsEachAfterIts201) {
  const std::string host1 = required_env("HOST1_URL");
  const std::string host2 = required_env("HOST2_URL");
  const auto sku = catalog_skus(1).at(0);
  constexpr int kFollowers = 8;
  const double commits_before = metric(host1, "atelier_cart_commits_total");
  const double adds_before = metric(host1, "atelier_cart_commit_adds_total");

  HeldBatch batch;
  batch.read_host = host2;
  commit_held_batch(batch, host1, kFollowers, sku, "batch");
  for (std::size_t i = 0; i < batch.answers.size(); ++i) {
    EXPECT_EQ(batch.answers[i].status, 201) << "add " << i << ": " << batch.answers[i].body;
    // Read-your-writes: another host, asked right after the 201, has the unit.
    EXPECT_EQ(batch.read_units[i], 1) << "add " << i << " read on host 2 after its 201";
  }
  // Two commits: the leader's own add alone, then the eight that queued, together.
  EXPECT_EQ(metric(host1, "atelier_cart_commits_total") - commits_before, 2);
  EXPECT_EQ(metric(host1, "atelier_cart_commit_adds_total") - adds_before, kFollowers + 1);
  EXPECT_GE(metric(host1, "atelier_cart_commit_largest"), kFollowers);
  EXPECT_EQ(metric(host1, "atelier_cart_adds_waiting"), 0);
}

TEST(CartGroupCommit, ABatchAnsweredBeforeAPostgresCrashIsThereAfterIt) {
  const std::string host1 = required_env("HOST1_URL");
  const std::string host2 = required_env("HOST2_URL");
  const auto sku = catalog_skus(2).at(1);
  HeldBatch batch;
  commit_held_batch(batch, host1, 5, sku, "crash");
  for (const auto& a : batch.answers) ASSERT_EQ(a.status, 201) << a.body;
  // Immediate stop: no checkpoint, the restart replays the WAL. What was answered 201 must be
  // there, because each 201 left after its batch's commit had flushed.
  ASSERT_EQ(stack_control({"pg", "crash"}), 0);
  ASSERT_EQ(stack_control({"pg", "start"}), 0);
  for (const auto& session : batch.sessions) {
    EXPECT_TRUE(eventually([&] { return cart_units(host2, session, sku) == 1; }, kWait))
        << session << " lost its acknowledged add (or the hosts did not reconnect)";
  }
  expect_stack_recovered();
}

TEST(CartGroupCommit, ADatabaseFailureAnswersEveryAddOfTheBatch503AndTheRetryAddsEachOnce) {
  const std::string host1 = required_env("HOST1_URL");
  const std::string host2 = required_env("HOST2_URL");
  const auto sku = catalog_skus(3).at(2);
  HeldBatch batch;
  {
    CartWritesHeld held;
    batch.start(host1, 4, sku, "failure");
    // The leader and the queued batch both meet a database that is gone: the held transaction
    // never commits, so none of them was added.
    ASSERT_EQ(stack_control({"pg", "crash"}), 0);
    batch.join();
    const int started = stack_control({"pg", "start"});
    for (std::size_t i = 0; i < batch.answers.size(); ++i) {
      const auto& a = batch.answers[i];
      EXPECT_EQ(a.status, 503) << "add " << i << ": " << a.body;
      EXPECT_EQ(a.header("retry-after").value_or(""), "1") << "add " << i;
      EXPECT_EQ(a.body.rfind("{\"error\":", 0), 0u) << a.body;
    }
    ASSERT_EQ(started, 0) << "PostgreSQL did not start again";
  }
  // The shopper's retry, same key: added once; the same retry again adds nothing more.
  for (std::size_t i = 0; i < batch.sessions.size(); ++i) {
    EXPECT_TRUE(eventually(
        [&] { return add(host1, batch.sessions[i], sku, batch.keys[i]).status == 201; }, kWait))
        << "the retry of add " << i << " was not accepted";
    EXPECT_EQ(add(host2, batch.sessions[i], sku, batch.keys[i]).status, 201);
    EXPECT_EQ(cart_units(host2, batch.sessions[i], sku), 1) << batch.sessions[i];
  }
  expect_stack_recovered();
}

}  // namespace
}  // namespace atelier::testing
