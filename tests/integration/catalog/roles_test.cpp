// The hosts' database role can read the catalog and add cart rows, and nothing else (security
// issue). Runs against the private PostgreSQL of scripts/test with its two roles.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "http_client.hpp"

namespace atelier::testing {
namespace {

// "" when running `sql` as the API role succeeded, "denied" when PostgreSQL refused it for lack of
// privilege, else the error text. (libpqxx 6.4 throws insufficient_privilege without filling in
// sqlstate(), so the class is what tells.)
std::string sqlstate_of(const std::string& sql) {
  pqxx::connection c(required_env("API_DATABASE_URL"));
  try {
    pqxx::nontransaction tx(c);
    tx.exec(sql);
    return "";
  } catch (const pqxx::insufficient_privilege&) {
    return "denied";
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate() == "42501" ? "denied" : e.what();
  }
}

TEST(ApiRole, ReadsTheCatalogViewsAndAddsCartRowsOnlyThroughTheAddFunction) {
  EXPECT_EQ(sqlstate_of("SELECT count(*) FROM catalog.products"), "");
  EXPECT_EQ(sqlstate_of("SELECT version FROM catalog.dataset"), "");
  EXPECT_EQ(sqlstate_of("SELECT count(*) FROM atelier.cart"), "");
  EXPECT_EQ(sqlstate_of("SELECT * FROM atelier.cart_add('roles-test', '', "
                        "(SELECT min(id) FROM catalog.skus), 'roles-test-key', 100, 10)"),
            "");
  // The function is the only way in: bounds and request keys cannot be bypassed.
  EXPECT_EQ(sqlstate_of("INSERT INTO atelier.cart (session_key, sku_id) VALUES ('roles-test', 1)"),
            "denied");
  EXPECT_EQ(sqlstate_of("INSERT INTO atelier.cart_requests (session_key, request_key, sku_id, "
                        "status) VALUES ('roles-test', 'k', 1, 201)"),
            "denied");
}

TEST(ApiRole, CannotChangeOrBypassTheCatalog) {
  const char* forbidden[] = {
      "DELETE FROM atelier.cart",
      "DELETE FROM atelier.cart_requests",
      "UPDATE atelier.cart_requests SET status = 201",
      "UPDATE atelier.cart SET active = false",
      "SELECT count(*) FROM atelier.rejects",
      "SELECT count(*) FROM atelier.datasets",
      "CREATE TABLE catalog.x (i int)",
      "CREATE SCHEMA evil",
      "DROP VIEW catalog.products",
  };
  for (const char* sql : forbidden) {
    const std::string state = sqlstate_of(sql);
    EXPECT_EQ(state, "denied") << sql;
  }
  // The dataset tables themselves are not readable, only the views over them.
  pqxx::connection loader(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(loader);
  const auto schema = tx.exec1("SELECT schema_name FROM atelier.datasets WHERE state = 'active'")[0]
                          .as<std::string>();
  EXPECT_EQ(sqlstate_of("SELECT count(*) FROM " + schema + ".products"), "denied");
  tx.exec("DELETE FROM atelier.cart WHERE session_key = 'roles-test'");
  tx.exec("DELETE FROM atelier.cart_requests WHERE session_key = 'roles-test'");
}

}  // namespace
}  // namespace atelier::testing
