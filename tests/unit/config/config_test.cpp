#include "config/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace atelier::config {
namespace {

ParseResult parse_map(const std::map<std::string, std::string>& env) {
  return parse([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(Config, DefaultsWhenNothingIsSet) {
  auto r = parse_map({});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.port, 8080);
  EXPECT_EQ(r.config.campus, "hr-rfp");
  EXPECT_TRUE(r.config.redis_url.empty());
  EXPECT_TRUE(r.config.unix_socket.empty()) << "TCP only unless asked";
}

TEST(Config, UnixSocketPathMustFitASocketAddress) {
  auto ok = parse_map({{"ATELIER_UNIX_SOCKET", "/srv/atelier/host1.sock"}});
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.config.unix_socket, "/srv/atelier/host1.sock");
  // 95 bytes: 107 (sun_path less its NUL) less 12 for ".new-PID", the name bound first.
  auto longest = parse_map({{"ATELIER_UNIX_SOCKET", "/" + std::string(94, 'x')}});
  EXPECT_TRUE(longest.errors.empty());
  auto too_long = parse_map({{"ATELIER_UNIX_SOCKET", "/" + std::string(95, 'x')}});
  ASSERT_EQ(too_long.errors.size(), 1u);
  EXPECT_NE(too_long.errors[0].find("ATELIER_UNIX_SOCKET"), std::string::npos);
}

TEST(Config, ReadsEveryKindOfValue) {
  auto r = parse_map({{"ATELIER_PORT", "9000"},
                      {"ATELIER_THREADS", "3"},
                      {"ATELIER_CAMPUS", "hr-lax"},
                      {"ATELIER_LOG_REQUESTS", "yes"},
                      {"ATELIER_PAGE_CACHE_TTL_S", "60"},
                      {"ATELIER_CHANGE_POLL_MS", "250"},
                      {"REDIS_URL", "redis://127.0.0.1:6379/0"},
                      {"ATELIER_REDIS_READ_URL", "redis://10.0.0.32:6379/0"}});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.port, 9000);
  EXPECT_EQ(r.config.threads, 3);
  EXPECT_EQ(r.config.campus, "hr-lax");
  EXPECT_TRUE(r.config.log_requests);
  EXPECT_EQ(r.config.page_cache_ttl, std::chrono::seconds(60));
  EXPECT_EQ(r.config.change_poll_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(r.config.redis_url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(r.config.redis_read_url, "redis://10.0.0.32:6379/0");
  EXPECT_TRUE(parse_map({}).config.redis_read_url.empty()) << "unset: reads go to REDIS_URL";
}

TEST(Config, InvalidValuesAreReportedByName) {
  auto r = parse_map(
      {{"ATELIER_PORT", "99999"}, {"ATELIER_THREADS", "many"}, {"ATELIER_LOG_REQUESTS", "maybe"}});
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_NE(r.errors[0].find("ATELIER_PORT"), std::string::npos);
  EXPECT_NE(r.errors[1].find("ATELIER_THREADS"), std::string::npos);
  EXPECT_NE(r.errors[2].find("ATELIER_LOG_REQUESTS"), std::string::npos);
}

TEST(Config, TheCartBatchCapIsZeroForOffOrAWholeNumber) {
  EXPECT_EQ(parse_map({}).config.cart_batch_max, 128);
  EXPECT_EQ(parse_map({{"ATELIER_CART_BATCH_MAX", "0"}}).config.cart_batch_max, 0);
  EXPECT_EQ(parse_map({}).config.cart_committers, 1);
  EXPECT_EQ(parse_map({{"ATELIER_CART_COMMITTERS", "3"}}).config.cart_committers, 3);
  EXPECT_EQ(parse_map({{"ATELIER_CART_COMMITTERS", "0"}}).errors.size(), 1u);
  auto negative = parse_map({{"ATELIER_CART_BATCH_MAX", "-1"}});
  ASSERT_EQ(negative.errors.size(), 1u);
  EXPECT_NE(negative.errors[0].find("ATELIER_CART_BATCH_MAX"), std::string::npos);
}

TEST(Config, HelpListsEveryVariable) {
  const std::string help = help_text("atelier-api", "summary");
  for (const auto& v : variables()) EXPECT_NE(help.find(v.name), std::string::npos) << v.name;
}

TEST(Config, ConninfoCarriesTimeoutsForUrlsAndKeyValueStrings) {
  Config c;
  c.database_url = "postgresql://u@h:1/db";
  c.db_statement_timeout = std::chrono::milliseconds(250);
  const std::string url = postgres_conninfo(c, "app");
  EXPECT_NE(url.find("?connect_timeout=2"), std::string::npos);
  EXPECT_NE(url.find("statement_timeout%3D250"), std::string::npos);
  c.database_url = "host=h dbname=db";
  const std::string kv = postgres_conninfo(c, "app");
  EXPECT_NE(kv.find(" options='-c statement_timeout=250'"), std::string::npos);
}

TEST(Config, ReadUrlsAreAnOptionalCommaSeparatedList) {
  auto none = parse_map({});
  EXPECT_TRUE(none.config.read_database_urls.empty()) << "no replicas unless configured";
  auto two = parse_map({{"ATELIER_READ_DATABASE_URLS",
                         " postgresql://a@10.0.0.2:5432/db , ,postgresql://a@10.0.0.3:5432/db"},
                        {"ATELIER_REPLICA_MAX_LAG_MS", "1500"}});
  EXPECT_TRUE(two.errors.empty());
  ASSERT_EQ(two.config.read_database_urls.size(), 2u);
  EXPECT_EQ(two.config.read_database_urls[0], "postgresql://a@10.0.0.2:5432/db");
  EXPECT_EQ(two.config.read_database_urls[1], "postgresql://a@10.0.0.3:5432/db");
  EXPECT_EQ(two.config.replica_max_lag.count(), 1500);
  auto bad = parse_map({{"ATELIER_REPLICA_CHECK_MS", "soon"}});
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find("ATELIER_REPLICA_CHECK_MS"), std::string::npos);
}

TEST(Config, ReplicaConninfoCarriesTheSameSettings) {
  Config c;
  const std::string info = postgres_conninfo(c, "postgresql://a@10.0.0.2:5432/db", "atelier-api");
  EXPECT_TRUE(info.starts_with("postgresql://a@10.0.0.2:5432/db?connect_timeout="));
  EXPECT_NE(info.find("statement_timeout"), std::string::npos);
}

}  // namespace
}  // namespace atelier::config
