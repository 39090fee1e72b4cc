// Related ids, cart and error bodies (src/json/responses.cpp), byte for byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "json/serialize.hpp"
#include "json_assertions.hpp"

namespace atelier::json {
namespace {

using testing::IsValidJson;

TEST(WriteRelated, NumbersInGivenOrderWithDuplicates) {
  const std::vector<std::int64_t> ids{2, 3, 8, 7, 3, 1};
  EXPECT_EQ(write_related(ids), "[2,3,8,7,3,1]");
  EXPECT_EQ(write_related({}), "[]");
  const std::vector<std::int64_t> big{std::numeric_limits<std::int64_t>::max()};
  EXPECT_EQ(write_related(big), "[9223372036854775807]");
}

TEST(WriteCart, CountIsAString) {
  const std::vector<model::CartLine> lines{{1, 2}, {1394769, 1000}};
  const std::string body = write_cart(lines);
  EXPECT_EQ(body, R"([{"sku_id":1,"count":"2"},{"sku_id":1394769,"count":"1000"}])");
  EXPECT_TRUE(IsValidJson(body));
  EXPECT_EQ(write_cart({}), "[]");
}

TEST(WriteError, MessageIsEscaped) {
  EXPECT_EQ(write_error("Product 7 does not exist."), R"({"error":"Product 7 does not exist."})");
  const std::string body = write_error("count must be \"1..2000\"\n\xFF");
  EXPECT_EQ(body, "{\"error\":\"count must be \\\"1..2000\\\"\\n\xEF\xBF\xBD\"}");
  EXPECT_TRUE(IsValidJson(body));
}

}  // namespace
}  // namespace atelier::json
