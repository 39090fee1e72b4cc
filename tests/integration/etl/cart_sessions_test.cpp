// Carts stored before sessions were hashed survive the migration (sql/migrations, then
// src/etl/cart_sessions.hpp), keyed as the hosts key them, in a scratch database of the test
// PostgreSQL.
#include "etl/cart_sessions.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>
#include <string>

#include "etl/pg_session.hpp"
#include "schema/migrations.hpp"
#include "session/session_key.hpp"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// The admin URL of scripts/test's PostgreSQL with another database name: the URL's path, between
// the authority and the query ("postgresql://postgres@/atelier?host=/run&port=1" ->
// .../<database>?...).
std::string with_database(const std::string& url, const std::string& database) {
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return url + "/" + database;
  const auto query = url.find('?', path);
  return url.substr(0, path + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

class CartSessionMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = env("PG_PRIMARY_ADMIN_URL");
    ASSERT_FALSE(admin_.empty()) << "set PG_PRIMARY_ADMIN_URL (scripts/test does)";
    pqxx::connection c(admin_);
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + kDatabase);
    tx.exec("CREATE DATABASE " + kDatabase);
    url_ = with_database(admin_, kDatabase);
  }
  void TearDown() override {
    pqxx::connection c(admin_);
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + kDatabase + " WITH (FORCE)");
  }
  // The cart table as the release before hashing made it, with raw sessions in it.
  void make_old_release_carts() {
    pqxx::connection c(url_);
    pqxx::work tx(c);
    tx.exec(
        "CREATE SCHEMA atelier; CREATE TABLE atelier.cart (id bigserial PRIMARY KEY, session text "
        "NOT NULL, sku_id int8 NOT NULL, active bool NOT NULL DEFAULT true, source_id int8 UNIQUE, "
        "created_at timestamptz DEFAULT now()); "
        "CREATE INDEX cart_session_sku_active ON atelier.cart (session, sku_id) WHERE active; "
        "INSERT INTO atelier.cart (session, sku_id) VALUES "
        "('0123456789abcdefghijklmnopqrstuvwxyzABCD', 7), "
        "('0123456789abcdefghijklmnopqrstuvwxyzABCD', 7), "
        "('0123456789abcdefghijklmnopqrstuvwxyzABCD', 9), "
        "('a-cookie-id-of-the-old-release', 3); "
        "INSERT INTO atelier.cart (session, sku_id, source_id) VALUES ('1234', 5, 1)");
    tx.commit();
  }
  std::string query(const std::string& sql) {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    const auto r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }

  const std::string kDatabase = "atelier_migration_test";
  std::string admin_;
  std::string url_;
  const atelier::session::SessionKeyer keyer_{std::string(40, 'k')};
};

TEST_F(CartSessionMigration, KeysEveryRawSessionAndDropsTheRawColumn) {
  make_old_release_carts();
  atelier::etl::PgSession db(url_);
  atelier::schema::migrate(url_);
  EXPECT_EQ(atelier::etl::key_raw_cart_sessions(db, &keyer_), 5);
  const std::string token = keyer_.key("0123456789abcdefghijklmnopqrstuvwxyzABCD");
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE session_key = '" + token + "'"), "3");
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE session_key = '" +
                  keyer_.key("a-cookie-id-of-the-old-release") + "'"),
            "1");
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE session_key = '" + keyer_.key("1234") +
                  "' AND source_id = 1"),
            "1");
  EXPECT_EQ(query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'atelier' "
                  "AND table_name = 'cart' AND column_name = 'session'"),
            "0");
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE session_key IS NULL"), "0");
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE position('0123456789abcdef' IN "
                  "cart::text) > 0"),
            "0");
  // Run again: nothing left to do, nothing changes.
  atelier::schema::migrate(url_);
  EXPECT_EQ(atelier::etl::key_raw_cart_sessions(db, &keyer_), 0);
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart"), "5");
}

TEST_F(CartSessionMigration, WithoutASecretRawSessionsStayAndTheMigrationSaysWhy) {
  make_old_release_carts();
  atelier::etl::PgSession db(url_);
  try {
    atelier::schema::migrate(url_);
    atelier::etl::key_raw_cart_sessions(db, nullptr);
    FAIL() << "migrated without a secret";
  } catch (const atelier::etl::DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("ATELIER_SESSION_SECRET_FILE"), std::string::npos);
  }
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart WHERE session IS NOT NULL"), "5");
}

TEST_F(CartSessionMigration, AFreshDatabaseNeedsNoSecret) {
  atelier::etl::PgSession db(url_);
  atelier::schema::migrate(url_);
  EXPECT_EQ(atelier::etl::key_raw_cart_sessions(db, nullptr), 0);
  EXPECT_EQ(query("SELECT count(*) FROM atelier.cart"), "0");
}

}  // namespace
