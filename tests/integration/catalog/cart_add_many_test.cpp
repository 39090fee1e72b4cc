// atelier.cart_add_many (sql/migrations/0003_cart_add_many.sql), the statement of a group commit
// (docs/CART.md): one outcome per element with atelier.cart_add's meaning, elements in order, all
// in one transaction, and no deadlock between two batches that share sessions. Against the
// private PostgreSQL of scripts/test, as the hosts' role where the hosts would call it.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cart_client.hpp"
#include "catalog/cart_store.hpp"
#include "catalog/queries.hpp"
#include "http_client.hpp"

namespace atelier::testing {
namespace {

// One add: the host's own request type, so the test sends what CartStore sends.
using Add = catalog::CartAddRequest;

struct Outcome {
  int ord = 0;
  int status = 0;
  bool replayed = false;
  std::string bound;
};

std::vector<Outcome> add_many(pqxx::connection& c, const std::vector<Add>& adds) {
  std::vector<std::string> keys, previous, requests;
  std::vector<std::int64_t> skus, max_skus, max_units;
  for (const Add& a : adds) {
    keys.push_back(a.session_key);
    previous.push_back(a.previous_key);
    skus.push_back(a.sku_id);
    requests.push_back(a.request_key);
    max_skus.push_back(a.max_skus);
    max_units.push_back(a.max_units);
  }
  pqxx::nontransaction tx(c);
  const pqxx::result r = tx.exec_params(
      "SELECT ord, status, replayed, coalesce(bound, '') FROM atelier.cart_add_many($1::text[], "
      "$2::text[], $3::int8[], $4::text[], $5::int[], $6::int[]) ORDER BY ord",
      catalog::sql::text_array(keys), catalog::sql::text_array(previous),
      catalog::sql::number_array(skus), catalog::sql::text_array(requests),
      catalog::sql::number_array(max_skus), catalog::sql::number_array(max_units));
  std::vector<Outcome> out;
  for (const auto& row : r) {
    out.push_back(
        {row[0].as<int>(), row[1].as<int>(), row[2].as<bool>(), row[3].as<std::string>()});
  }
  return out;
}

// Fresh session keys per run (the table keeps rows between runs of the suite).
std::string fresh(const std::string& name) {
  static std::mt19937_64 random{std::random_device{}()};
  return "add-many-test-" + name + "-" + std::to_string(random());
}

std::int64_t scalar(const std::string& sql) {
  pqxx::connection c(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(c);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

std::int64_t units(const std::string& key, std::int64_t sku) {
  return scalar("SELECT count(*) FROM atelier.cart WHERE active AND session_key = '" + key +
                "' AND sku_id = " + std::to_string(sku));
}

class CartAddMany : public ::testing::Test {
 protected:
  void SetUp() override {
    skus_ = catalog_skus(3);
    ASSERT_EQ(skus_.size(), 3u) << "the test catalog has fewer than 3 skus";
    unknown_ = scalar("SELECT max(id) + 1000000 FROM catalog.skus");
  }
  void TearDown() override {
    pqxx::connection c(required_env("DATABASE_URL"));
    pqxx::nontransaction tx(c);
    tx.exec("DELETE FROM atelier.cart WHERE session_key LIKE 'add-many-test-%'");
    tx.exec("DELETE FROM atelier.cart_requests WHERE session_key LIKE 'add-many-test-%'");
  }
  pqxx::connection api_{required_env("API_DATABASE_URL")};
  std::vector<std::int64_t> skus_;
  std::int64_t unknown_ = 0;
};

TEST_F(CartAddMany, EachElementGetsCartAddsAnswerAndOneFailureLeavesTheOthers) {
  const std::string a = fresh("a"), b = fresh("b");
  const std::vector<Add> batch = {
      {a, "", skus_[0], "r1", 100, 2},  // 201
      {b, "", unknown_, "r1", 100, 2},  // 422: no such sku
      {a, "", skus_[0], "r2", 100, 2},  // 201: the second unit of two
      {a, "", skus_[0], "r3", 100, 2},  // 409 units: the bound, reached by the elements before
      {b, "", skus_[1], "r2", 1, 10},   // 201
      {b, "", skus_[2], "r3", 1, 10},   // 409 skus: one distinct sku at most
      {a, "", skus_[1], "r1", 100, 2},  // 422 key_reused: r1 was this session's add of skus_[0]
      {a, "", skus_[0], "r2", 100, 2},  // the earlier element's answer again (replayed)
  };
  const auto out = add_many(api_, batch);
  ASSERT_EQ(out.size(), batch.size());
  const int expected_status[] = {201, 422, 201, 409, 201, 409, 422, 201};
  const char* expected_bound[] = {"", "", "", "units", "", "skus", "key_reused", ""};
  const bool expected_replayed[] = {false, false, false, false, false, false, true, true};
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].ord, static_cast<int>(i + 1));
    EXPECT_EQ(out[i].status, expected_status[i]) << "element " << i;
    EXPECT_EQ(out[i].bound, expected_bound[i]) << "element " << i;
    EXPECT_EQ(out[i].replayed, expected_replayed[i]) << "element " << i;
  }
  EXPECT_EQ(units(a, skus_[0]), 2);
  EXPECT_EQ(units(a, skus_[1]), 0);
  EXPECT_EQ(units(b, skus_[1]), 1);
  EXPECT_EQ(units(b, skus_[2]), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM atelier.cart WHERE session_key = '" + b + "'"), 1);
}

TEST_F(CartAddMany, AddsOfOneSessionKeepTheirOrderInTheBatch) {
  // One unit allowed: whichever add comes first in the array is the one that gets it.
  const std::string key = fresh("order");
  auto out =
      add_many(api_, {{key, "", skus_[0], "second", 100, 1}, {key, "", skus_[0], "first", 100, 1}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status, 201);
  EXPECT_EQ(out[1].status, 409);
  EXPECT_EQ(scalar("SELECT status FROM atelier.cart_requests WHERE session_key = '" + key +
                   "' AND request_key = 'second'"),
            201);
}

TEST_F(CartAddMany, TheWholeBatchIsOneTransaction) {
  // One commit, one WAL flush: every row the batch wrote has the same inserting transaction.
  std::vector<Add> batch;
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) {
    keys.push_back(fresh("one-tx-" + std::to_string(i)));
    batch.push_back({keys.back(), "", skus_[static_cast<std::size_t>(i) % 3], "r", 100, 10});
  }
  const auto out = add_many(api_, batch);
  ASSERT_EQ(out.size(), batch.size());
  for (const auto& o : out) EXPECT_EQ(o.status, 201);
  EXPECT_EQ(scalar("SELECT count(*) FROM atelier.cart WHERE session_key LIKE "
                   "'add-many-test-one-tx-%'"),
            12);
  EXPECT_EQ(scalar("SELECT count(DISTINCT xmin::text) FROM atelier.cart WHERE session_key LIKE "
                   "'add-many-test-one-tx-%'"),
            1);
  EXPECT_EQ(scalar("SELECT count(DISTINCT xmin::text) FROM atelier.cart_requests WHERE "
                   "session_key LIKE 'add-many-test-one-tx-%'"),
            1);
}

TEST_F(CartAddMany, TheSameBatchAgainReplaysEveryAnswerAndAddsNothing) {
  // What a host's retry after a broken connection sends when the first try had committed.
  const std::string key = fresh("replay");
  const std::vector<Add> batch = {{key, "", skus_[0], "x1", 100, 1},
                                  {key, "", skus_[0], "x2", 100, 1},
                                  {key, "", unknown_, "x3", 100, 1}};
  const auto first = add_many(api_, batch);
  const auto again = add_many(api_, batch);
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(again.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[i].status, first[i].status) << "element " << i;
    EXPECT_EQ(again[i].bound, first[i].bound) << "element " << i;
    EXPECT_FALSE(first[i].replayed);
    EXPECT_TRUE(again[i].replayed);
  }
  EXPECT_EQ(first[0].status, 201);
  EXPECT_EQ(first[1].status, 409);
  EXPECT_EQ(first[2].status, 422);
  EXPECT_EQ(units(key, skus_[0]), 1);
}

TEST_F(CartAddMany, APreviousKeysRowsMoveToTheCurrentKey) {
  const std::string old_key = fresh("old"), new_key = fresh("new");
  ASSERT_EQ(add_many(api_, {{old_key, "", skus_[0], "before", 100, 10}}).at(0).status, 201);
  const auto out = add_many(api_, {{new_key, old_key, skus_[0], "after", 100, 10}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, 201);
  EXPECT_EQ(units(new_key, skus_[0]), 2);
  EXPECT_EQ(units(old_key, skus_[0]), 0);
}

TEST_F(CartAddMany, MismatchedArraysOrNullsAreRefusedWholeAndAddNothing) {
  const std::string key = fresh("bad");
  pqxx::nontransaction tx(api_);
  const std::string head = "SELECT * FROM atelier.cart_add_many(ARRAY['" + key + "','" + key +
                           "'], ARRAY['',''], ARRAY[" + std::to_string(skus_[0]) + "::int8, " +
                           std::to_string(skus_[1]) + "]";
  const std::string calls[] = {
      head + ", ARRAY['q1'], ARRAY[100,100], ARRAY[10,10])",        // one request key short
      head + ", ARRAY['q1', NULL], ARRAY[100,100], ARRAY[10,10])",  // a NULL request key
  };
  for (const std::string& sql : calls) {
    try {
      tx.exec(sql);
      ADD_FAILURE() << "accepted: " << sql;
    } catch (const pqxx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "22023") << e.what();
    }
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM atelier.cart WHERE session_key = '" + key + "'"), 0);
  // An empty batch is no error and answers nothing.
  EXPECT_TRUE(
      tx.exec("SELECT * FROM atelier.cart_add_many('{}', '{}', '{}', '{}', '{}', '{}')").empty());
}

TEST_F(CartAddMany, TwoBatchesSharingSessionsInOppositeOrderNeverDeadlock) {
  // Per-element locks alone would take s1 then s2 in one batch and s2 then s1 in the other: a
  // deadlock (40P01) as soon as both hold their first. The function locks every session first,
  // in one order, so both batches always finish.
  const std::string s1 = fresh("s1"), s2 = fresh("s2");
  constexpr int kRounds = 60;
  std::vector<std::string> errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      pqxx::connection c(required_env("API_DATABASE_URL"));
      for (int i = 0; i < kRounds; ++i) {
        const std::string tag = std::to_string(t) + "-" + std::to_string(i);
        std::vector<Add> batch = {{s1, "", skus_[0], "a" + tag, 100, 1000},
                                  {s2, "", skus_[0], "b" + tag, 100, 1000}};
        if (t == 1) std::swap(batch[0], batch[1]);
        try {
          for (const auto& o : add_many(c, batch)) {
            if (o.status != 201) errors[t].push_back("status " + std::to_string(o.status));
          }
        } catch (const std::exception& e) {
          errors[t].push_back(e.what());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors[0].empty()) << errors[0].front();
  EXPECT_TRUE(errors[1].empty()) << errors[1].front();
  EXPECT_EQ(units(s1, skus_[0]), 2 * kRounds);
  EXPECT_EQ(units(s2, skus_[0]), 2 * kRounds);
}

}  // namespace
}  // namespace atelier::testing
