// format_price / format_timestamp / etag_for (src/json/formatting.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>

#include "json/formatting.hpp"
#include "json/serialize.hpp"

namespace atelier::json {
namespace {

TEST(FormatPrice, WholeAndFractionalCents) {
  EXPECT_EQ(format_price(0), "0.00");
  EXPECT_EQ(format_price(5), "0.05");
  EXPECT_EQ(format_price(50), "0.50");
  EXPECT_EQ(format_price(105), "1.05");
  EXPECT_EQ(format_price(14000), "140.00");
  EXPECT_EQ(format_price(99), "0.99");
  EXPECT_EQ(format_price(100), "1.00");
}

TEST(FormatPrice, VeryLargeSourcePrices) {
  // CONTRACT §4 dirt 8: 5,000,000 and 500,000,000 are real whole-number prices.
  EXPECT_EQ(format_price(500'000'000), "5000000.00");
  EXPECT_EQ(format_price(int64_t{500'000'000} * 100), "500000000.00");
  EXPECT_EQ(format_price(std::numeric_limits<int64_t>::max()), "92233720368547758.07");
}

TEST(FormatPrice, NegativeKeepsSign) {
  EXPECT_EQ(format_price(-105), "-1.05");
  EXPECT_EQ(format_price(-5), "-0.05");
  EXPECT_EQ(format_price(-14000), "-140.00");
  EXPECT_EQ(format_price(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
}

TEST(FormatTimestamp, ContractExampleAndEpoch) {
  EXPECT_EQ(format_timestamp(1628865524509), "2021-08-13T14:38:44.509Z");
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(format_timestamp(1735689599999), "2024-12-31T23:59:59.999Z");
}

TEST(FormatTimestamp, LeapYears) {
  EXPECT_EQ(format_timestamp(1583020799999), "2020-02-29T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(1583020800000), "2020-03-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(951782400000), "2000-02-29T00:00:00.000Z");  // divisible by 400
  EXPECT_EQ(format_timestamp(4107542400000 - 86'400'000), "2100-02-28T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(4107542400000), "2100-03-01T00:00:00.000Z");  // 2100 not leap
}

TEST(FormatTimestamp, NegativeMillisAreBeforeTheEpoch) {
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(-86'400'000), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(-310521599999), "1960-02-29T00:00:00.001Z");
  EXPECT_EQ(format_timestamp(-2203934400000), "1900-02-28T12:00:00.000Z");
  EXPECT_EQ(format_timestamp(-2203891200000), "1900-03-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(-62135596800000), "0001-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, ClampsOutsideFourDigitYears) {
  EXPECT_EQ(format_timestamp(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(253402300800000), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::max()), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::min()), "0000-01-01T00:00:00.000Z");
}

// Walks day by day with a naive calendar and compares every date from 1600 to 2400.
TEST(FormatTimestamp, EveryDayMatchesNaiveCalendar) {
  const auto is_leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  // Days from 1600-01-01 to 1970-01-01.
  int64_t days = 0;
  for (int y = 1600; y < 1970; ++y) days -= is_leap(y) ? 366 : 365;
  char expected[64];
  for (int y = 1600; y < 2400; ++y) {
    for (int m = 1; m <= 12; ++m) {
      const int length = month_days[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
      for (int d = 1; d <= length; ++d, ++days) {
        std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
        ASSERT_EQ(format_timestamp(days * 86'400'000), expected) << days;
      }
    }
  }
}

TEST(FormatTimestamp, WritesExactlyTwentyFourChars) {
  char buffer[kTimestampChars + 1];
  buffer[kTimestampChars] = '#';
  format_timestamp_to(buffer, 1628865524509);
  EXPECT_EQ(buffer[kTimestampChars], '#');
  EXPECT_EQ(std::string(buffer, kTimestampChars), "2021-08-13T14:38:44.509Z");
}

TEST(EtagFor, IsQuotedSixteenLowercaseHex) {
  const std::string tag = etag_for(R"({"id":1})");
  ASSERT_EQ(tag.size(), 18u);
  EXPECT_EQ(tag.front(), '"');
  EXPECT_EQ(tag.back(), '"');
  for (std::size_t i = 1; i <= 16; ++i) {
    EXPECT_TRUE((tag[i] >= '0' && tag[i] <= '9') || (tag[i] >= 'a' && tag[i] <= 'f')) << tag;
  }
}

TEST(EtagFor, StableAcrossCallsAndReleases) {
  // Pinned values: every host and the warm-up tool must compute the same tag for the same bytes,
  // so a change of the hash is a deliberate, visible event (clients re-download once).
  EXPECT_EQ(etag_for(""), "\"95a9c4c52e31a9d1\"");
  EXPECT_EQ(etag_for("a"), "\"ace13dc43c4e7fb5\"");
  EXPECT_EQ(etag_for(R"({"id":1})"), "\"3a9c281213735c54\"");
  // 42 bytes: one 32-byte stripe, one 8-byte word, two single bytes.
  EXPECT_EQ(etag_for("0123456789abcdef0123456789abcdef0123456789"), "\"55590e48bb19cabc\"");
  EXPECT_EQ(etag_for(R"({"id":1})"), etag_for(std::string(R"({"id":1})")));
}

TEST(EtagFor, DiffersForDifferentBodies) {
  std::set<std::string> tags;
  std::string body;
  // Every prefix of a long body (covers the stripe loop, 8-byte tail and byte tail) and single-bit
  // changes produce distinct tags.
  for (int i = 0; i < 300; ++i) {
    tags.insert(etag_for(body));
    body.push_back(static_cast<char>('a' + i % 26));
  }
  EXPECT_EQ(tags.size(), 300u);
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string flipped = body;
    flipped[i] = static_cast<char>(flipped[i] ^ 1);
    EXPECT_NE(etag_for(flipped), etag_for(body)) << i;
  }
  EXPECT_NE(etag_for(R"({"id":1})"), etag_for(R"({"id":2})"));
}

}  // namespace
}  // namespace atelier::json
