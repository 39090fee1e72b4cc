// The product reads' two forms (queries.hpp): the one-id form must be a plain equality with one
// parameter (that is what lets PostgreSQL cache its plan), the range form the same statement with
// BETWEEN and two parameters; no placeholder may survive.
#include "catalog/queries.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sql = atelier::catalog::sql;

namespace {

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Queries, ForIdsReplacesEveryPlaceholder) {
  EXPECT_EQ(sql::for_ids("a {ids} b {ids}", sql::Ids::one), "a = $1 b = $1");
  EXPECT_EQ(sql::for_ids("{ids}", sql::Ids::range), "BETWEEN $1 AND $2");
  EXPECT_EQ(sql::for_ids("no placeholder", sql::Ids::one), "no placeholder");
  EXPECT_EQ(sql::for_ids("", sql::Ids::range), "");
}

TEST(Queries, ProductReadsHaveAnEqualityAndARangeForm) {
  for (const char* text : {sql::kProductDetails, sql::kProductStyles, sql::kRelated}) {
    const std::string one = sql::for_ids(text, sql::Ids::one);
    const std::string range = sql::for_ids(text, sql::Ids::range);
    const std::size_t places = count(text, "{ids}");
    EXPECT_GE(places, 2u) << text;  // the products row and every child table
    EXPECT_EQ(count(one, "{ids}") + count(range, "{ids}"), 0u);
    EXPECT_EQ(count(one, "= $1"), places);
    EXPECT_EQ(count(one, "$2"), 0u) << one;
    EXPECT_EQ(count(range, "BETWEEN $1 AND $2"), places);
  }
}

TEST(Queries, ArrayParametersKeepEveryTextElementWhole) {
  const std::vector<std::string> texts = {"plain",       "",    "a,b", "{x}", "say \"hi\"",
                                          "back\\slash", "NULL"};
  EXPECT_EQ(sql::text_array(texts),
            R"({"plain","","a,b","{x}","say \"hi\"","back\\slash","NULL"})");
  EXPECT_EQ(sql::text_array(std::vector<std::string>{}), "{}");
  const std::vector<std::int64_t> numbers = {1, -2, 9007199254740993};
  EXPECT_EQ(sql::number_array(numbers), "{1,-2,9007199254740993}");
  EXPECT_EQ(sql::number_array(std::vector<std::int64_t>{}), "{}");
}

TEST(Queries, TheGroupCommitStatementTakesSixArraysAndKeepsTheirOrder) {
  const std::string text = sql::kCartAddMany;
  EXPECT_EQ(count(text, "[]"), 6u);
  EXPECT_NE(text.find("atelier.cart_add_many("), std::string::npos);
  EXPECT_NE(text.find("ORDER BY ord"), std::string::npos);
}
