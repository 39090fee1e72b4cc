// Related ids, cart and error bodies (src/json/responses.cpp), byte for byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
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

TEST(WriteReadiness, ReadyAndNotReadyBodiesKeyByKey) {
  EXPECT_EQ(write_ready({14, 9, 1000011, "up", {}, {}}),
            R"({"status":"ready","database":"up","dataset_version":14,"publish":9,)"
            R"("products":1000011,"cache":"up"})");
  const ReadEndpointState endpoints[] = {{"10.213.1.5:5432", "up", true, 1.5, true},
                                         {"10.213.1.4:5432", "unknown", false, 0, false}};
  EXPECT_EQ(write_ready({3, 1, 2, "up", endpoints, {}}),
            R"({"status":"ready","database":"up","dataset_version":3,"publish":1,"products":2,)"
            R"("cache":"up","read_endpoints":[{"endpoint":"10.213.1.5:5432","state":"up",)"
            R"("replica":true,"lag_seconds":1.5,"preferred":true},{"endpoint":"10.213.1.4:5432",)"
            R"("state":"unknown","replica":false,"lag_seconds":0.0,"preferred":false}]})");
  EXPECT_EQ(
      write_not_ready("The catalog is not loaded yet.", "not_loaded", "backoff"),
      R"({"error":"The catalog is not loaded yet.","database":"not_loaded","cache":"backoff"})");
}

TEST(WriteReadiness, TheCacheReadEndpointIsShownOnlyWhenThereIsOne) {
  ReadyState state{3, 1, 2, "up", {}, {"10.213.1.32:6379", "up"}};
  EXPECT_EQ(write_ready(state),
            R"({"status":"ready","database":"up","dataset_version":3,"publish":1,"products":2,)"
            R"("cache":"up","cache_read":{"endpoint":"10.213.1.32:6379","state":"up"}})");
  EXPECT_EQ(write_not_ready("Down.", "down", "backoff", {}, {"sentinel:atelier", "backoff"}),
            R"({"error":"Down.","database":"down","cache":"backoff",)"
            R"("cache_read":{"endpoint":"sentinel:atelier","state":"backoff"}})");
}

TEST(WriteStringFields, KeysInOrderValuesEscapedAndRepaired) {
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"event", "request"}, {"path", "/products/\"1\"\\\n\x01\xFF"}, {"k\xC3", "v"}};
  const std::string line = write_string_fields(fields);
  EXPECT_EQ(line,
            "{\"event\":\"request\",\"path\":\"/products/\\\"1\\\"\\\\\\n\\u0001\xEF\xBF\xBD\","
            "\"k\xEF\xBF\xBD\":\"v\"}");
  EXPECT_TRUE(IsValidJson(line));
  EXPECT_EQ(write_string_fields({}), "{}");
}

}  // namespace
}  // namespace atelier::json
