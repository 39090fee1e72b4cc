// The migration list's rules and the host's verdict on a database's schema version
// (src/schema/migrations.hpp); the database side runs in tests/deploy/migrations_check.
#include "schema/migrations.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "version/version.hpp"

namespace atelier::schema {
namespace {

TEST(SchemaMigrations, TheBuiltInListIsNumberedFromOneWithoutGaps) {
  const auto list = migrations();
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(numbering_problem(list), std::nullopt);
  EXPECT_EQ(list.front().version, 1);
  EXPECT_EQ(list.front().name, "base");
  EXPECT_EQ(latest_version(), list.back().version);
  // Migration 1 is the permanent tables the releases before versions made, the cart among them.
  EXPECT_NE(list.front().sql.find("CREATE TABLE IF NOT EXISTS atelier.cart"), std::string::npos);
}

TEST(SchemaMigrations, GapsRepeatsAndEmptyTextsAreRefused) {
  const std::vector<Migration> gap = {{1, "a", "SELECT 1"}, {3, "c", "SELECT 1"}};
  const std::vector<Migration> repeat = {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}};
  const std::vector<Migration> zero = {{0, "a", "SELECT 1"}};
  const std::vector<Migration> empty = {{1, "a", "SELECT 1"}, {2, "b", " \n\t"}};
  ASSERT_TRUE(numbering_problem(gap).has_value());
  EXPECT_NE(numbering_problem(gap)->find("migration 3 (c) where 2 was expected"),
            std::string::npos);
  EXPECT_TRUE(numbering_problem(repeat).has_value());
  EXPECT_TRUE(numbering_problem(zero).has_value());
  ASSERT_TRUE(numbering_problem(empty).has_value());
  EXPECT_NE(numbering_problem(empty)->find("is empty"), std::string::npos);
  EXPECT_EQ(numbering_problem(std::vector<Migration>{}), std::nullopt);
}

TEST(SchemaCheck, ANewerSchemaIsRefusedWithBothVersionsNamed) {
  const SchemaCheck newer = classify(5, 3);
  EXPECT_EQ(newer.state, CheckState::newer);
  EXPECT_EQ(newer.database_version, 5);
  EXPECT_EQ(newer.known_version, 3);
  EXPECT_NE(newer.message.find("version 5, newer than this binary knows version 3"),
            std::string::npos)
      << newer.message;
  EXPECT_NE(newer.message.find("refusing to serve"), std::string::npos);
}

TEST(SchemaCheck, OlderCurrentAndUnversionedAreNamed) {
  EXPECT_EQ(classify(2, 3).state, CheckState::older);
  EXPECT_NE(classify(2, 3).message.find("atelier-etl --migrate"), std::string::npos);
  EXPECT_EQ(classify(3, 3).state, CheckState::current);
  EXPECT_EQ(classify(std::nullopt, 3).state, CheckState::unversioned);
  EXPECT_EQ(state_name(CheckState::newer), "newer");
  EXPECT_EQ(state_name(CheckState::unknown), "unknown");
}

TEST(SchemaCheck, AnUnreachableDatabaseIsUnknownNotRefused) {
  // Port 1 on loopback: connection refused at once.
  const SchemaCheck check = check_schema("postgresql://nobody@127.0.0.1:1/none", 4);
  EXPECT_EQ(check.state, CheckState::unknown);
  EXPECT_EQ(check.known_version, 4);
  EXPECT_NE(check.message.find("could not read the schema version"), std::string::npos);
}

TEST(SchemaCheck, ConnectTimeoutIsAddedToEitherConnectionStringForm) {
  EXPECT_EQ(with_connect_timeout("postgresql://u@h:5432/db", 5),
            "postgresql://u@h:5432/db?connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("postgresql://u@h/db?sslmode=require", 5),
            "postgresql://u@h/db?sslmode=require&connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("host=h dbname=db", 5), "host=h dbname=db connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("", 5), "connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("postgresql://h/db?connect_timeout=1", 5),
            "postgresql://h/db?connect_timeout=1");
}

TEST(BuildVersion, EveryBinaryPrintsTheSameVersionLine) {
  EXPECT_FALSE(version::version().empty());
  const std::string line = version::version_line("atelier-x");
  EXPECT_EQ(line.rfind("atelier-x " + std::string(version::version()), 0), 0u) << line;
  if (!version::commit().empty()) {
    EXPECT_NE(line.find("(commit " + std::string(version::commit()) + ")"), std::string::npos);
  }
}

}  // namespace
}  // namespace atelier::schema
