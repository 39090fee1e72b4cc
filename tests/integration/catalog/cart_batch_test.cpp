// The cart's group commit against the real PostgreSQL of scripts/test (catalog/cart_batcher.hpp,
// docs/CART.md): one statement adds a whole batch and refuses only its unknown skus; one statement
// reads many sessions' carts; the batcher answers every add after its commit, so a read submitted
// after an add's answer sees it, also with many threads adding at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "catalog/cart_batcher.hpp"
#include "catalog/reader.hpp"
#include "http_client.hpp"

namespace atelier::testing {
namespace {

using catalog::CartAdd;
using catalog::CartBatcher;
using catalog::CartItem;
using catalog::ErrorKind;
using catalog::Result;

// A session name no other test or run uses.
std::string fresh_session(const std::string& name) {
  static std::atomic<int> next{0};
  return "cart-batch-" + name + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
         std::to_string(next++);
}

struct Skus {
  std::vector<std::int64_t> known;
  std::int64_t unknown = 0;
};

Skus catalog_skus() {
  pqxx::connection c(required_env("API_DATABASE_URL"));
  pqxx::nontransaction tx(c);
  Skus skus;
  for (const auto& row : tx.exec("SELECT id FROM catalog.skus ORDER BY id LIMIT 3")) {
    skus.known.push_back(row[0].as<std::int64_t>());
  }
  skus.unknown =
      tx.exec1("SELECT coalesce(max(id), 0) + 1000 FROM catalog.skus")[0].as<std::int64_t>();
  return skus;
}

// Units of `sku` in the session's active cart, read straight from the table.
std::int64_t units_in_table(const std::string& session, std::int64_t sku) {
  pqxx::connection c(required_env("API_DATABASE_URL"));
  pqxx::nontransaction tx(c);
  return tx
      .exec_params1(
          "SELECT count(*) FROM atelier.cart WHERE session = $1 AND sku_id = $2 AND active",
          session, sku)[0]
      .as<std::int64_t>();
}

std::int64_t units_of(const std::vector<model::CartLine>& lines, std::int64_t sku) {
  for (const auto& line : lines) {
    if (line.sku_id == sku) return line.count;
  }
  return 0;
}

TEST(CartBatch, OneStatementAddsTheBatchAndRefusesOnlyUnknownSkus) {
  const Skus skus = catalog_skus();
  ASSERT_GE(skus.known.size(), 2u) << "the catalog has too few skus";
  const std::string a = fresh_session("a");
  const std::string b = fresh_session("b");
  catalog::CatalogReader reader(required_env("API_DATABASE_URL"));
  const std::vector<CartItem> items = {{a, skus.known[0]},
                                       {b, skus.unknown},
                                       {a, skus.known[1]},
                                       {a, skus.known[0]},
                                       {b, skus.known[1]}};
  auto added = reader.add_to_carts(items);
  ASSERT_TRUE(added.ok()) << added.error().detail;
  EXPECT_EQ(added.value(), (std::vector<CartAdd>{CartAdd::added, CartAdd::unknown_sku,
                                                 CartAdd::added, CartAdd::added, CartAdd::added}));
  EXPECT_EQ(units_in_table(a, skus.known[0]), 2);
  EXPECT_EQ(units_in_table(a, skus.known[1]), 1);
  EXPECT_EQ(units_in_table(b, skus.known[1]), 1);
  EXPECT_EQ(units_in_table(b, skus.unknown), 0);
}

TEST(CartBatch, OneStatementReadsEverySessionsCart) {
  const Skus skus = catalog_skus();
  ASSERT_GE(skus.known.size(), 2u);
  // Sessions are Authorization values: quotes, backslashes, commas and braces are data.
  const std::string odd = fresh_session("odd \"q\" \\b, {c}");
  const std::string plain = fresh_session("plain");
  const std::string empty = fresh_session("empty");
  catalog::CatalogReader reader(required_env("API_DATABASE_URL"));
  ASSERT_TRUE(reader
                  .add_to_carts(std::vector<CartItem>{{odd, skus.known[1]},
                                                      {odd, skus.known[0]},
                                                      {odd, skus.known[1]},
                                                      {plain, skus.known[0]}})
                  .ok());
  auto carts = reader.carts(std::vector<std::string>{plain, odd, empty, odd});
  ASSERT_TRUE(carts.ok()) << carts.error().detail;
  ASSERT_EQ(carts.value().size(), 4u);
  EXPECT_EQ(carts.value()[0].size(), 1u);
  EXPECT_EQ(units_of(carts.value()[0], skus.known[0]), 1);
  // Ascending sku id, one line per sku.
  ASSERT_EQ(carts.value()[1].size(), 2u);
  EXPECT_LT(carts.value()[1][0].sku_id, carts.value()[1][1].sku_id);
  EXPECT_EQ(units_of(carts.value()[1], skus.known[0]), 1);
  EXPECT_EQ(units_of(carts.value()[1], skus.known[1]), 2);
  EXPECT_TRUE(carts.value()[2].empty());
  EXPECT_EQ(carts.value()[3].size(), carts.value()[1].size());
}

// Many threads add at once (so batches form); each waits for its add's answer, then asks for its
// session's cart through the same batcher: the answer already counts every add answered before.
TEST(CartBatch, EveryAnsweredAddIsDurableAndSeenByTheNextRead) {
  const Skus skus = catalog_skus();
  ASSERT_FALSE(skus.known.empty());
  constexpr int kThreads = 16;
  constexpr int kAddsEach = 40;
  catalog::CartBatcherOptions options;
  options.conninfo = required_env("API_DATABASE_URL");
  options.max_batch = 8;  // several batches per wave, not one
  std::atomic<int> statements{0};
  options.observe = [&](double, bool) { ++statements; };
  CartBatcher batcher(std::move(options));
  std::vector<std::string> sessions;
  for (int t = 0; t < kThreads; ++t) sessions.push_back(fresh_session("t" + std::to_string(t)));
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kAddsEach; ++i) {
        std::promise<Result<CartAdd>> added;
        batcher.add(sessions[t], skus.known[0],
                    [&added](Result<CartAdd> r) { added.set_value(std::move(r)); });
        auto a = added.get_future().get();
        if (!a.ok() || a.value() != CartAdd::added) {
          ++failures;
          continue;
        }
        std::promise<Result<std::vector<model::CartLine>>> read;
        batcher.read(sessions[t], [&read](Result<std::vector<model::CartLine>> r) {
          read.set_value(std::move(r));
        });
        auto lines = read.get_future().get();
        if (!lines.ok() || units_of(lines.value(), skus.known[0]) != i) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0) << "a read did not see an add answered before it";
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(units_in_table(sessions[t], skus.known[0]), kAddsEach);
  // Not a timing claim: each statement carries at least one request, so there are at most as
  // many statements as requests.
  EXPECT_LE(statements.load(), 2 * kThreads * kAddsEach);
}

TEST(CartBatch, AnUnreachableDatabaseAnswersEveryRequestUnavailable) {
  catalog::CartBatcherOptions options;
  // Nothing listens on port 1; the connect fails at once.
  options.conninfo = "postgresql://atelier@127.0.0.1:1/atelier?connect_timeout=1";
  CartBatcher batcher(std::move(options));
  std::promise<Result<CartAdd>> added;
  batcher.add("s", 1, [&added](Result<CartAdd> r) { added.set_value(std::move(r)); });
  std::promise<Result<std::vector<model::CartLine>>> read;
  batcher.read("s",
               [&read](Result<std::vector<model::CartLine>> r) { read.set_value(std::move(r)); });
  const auto a = added.get_future().get();
  const auto r = read.get_future().get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::unavailable);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
}

TEST(CartBatch, AStoppedBatcherAnswersAtOnce) {
  catalog::CartBatcherOptions options;
  options.conninfo = required_env("API_DATABASE_URL");
  CartBatcher batcher(std::move(options));
  batcher.stop();
  bool answered = false;
  batcher.add("s", 1, [&](Result<CartAdd> r) {
    answered = true;
    EXPECT_FALSE(r.ok());
  });
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace atelier::testing
