// The CSV line reader against every dirt case of CONTRACT §4.
#include "etl/csv_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace atelier::etl {
namespace {

CsvRecord parse(std::string_view line) {
  CsvRecord record;
  parse_csv_line(line, record);
  return record;
}

std::string value_of(const CsvField& field) {
  std::string out;
  const std::string_view t = field.text;
  for (std::size_t i = 0; i < t.size(); ++i) {
    out.push_back(t[i]);
    if (field.has_doubled_quotes && t[i] == '"' && i + 1 < t.size() && t[i + 1] == '"') ++i;
  }
  return out;
}

TEST(CsvLine, SplitsBareAndQuotedFields) {
  const auto r = parse(R"(1,"Camo Onesie","Blend in",140)");
  ASSERT_EQ(r.count, 4u);
  EXPECT_EQ(r.fields[0].text, "1");
  EXPECT_EQ(r.fields[0].kind, FieldKind::bare);
  EXPECT_EQ(r.fields[1].text, "Camo Onesie");
  EXPECT_EQ(r.fields[1].kind, FieldKind::quoted);
  EXPECT_EQ(r.fields[3].text, "140");
  EXPECT_FALSE(r.repaired_unterminated_quote);
  EXPECT_EQ(r.problem, LineProblem::none);
}

TEST(CsvLine, KeepsCommasApostrophesAmpersandsAndDoubleSpacesByteForByte) {
  const auto r = parse(R"(5,"Heir Force Ones, the  best & it's ""new""",x)");
  ASSERT_EQ(r.count, 3u);
  EXPECT_EQ(value_of(r.fields[1]), R"(Heir Force Ones, the  best & it's "new")");
  EXPECT_TRUE(r.fields[1].has_doubled_quotes);
  EXPECT_TRUE(field_equals(r.fields[1], R"(Heir Force Ones, the  best & it's "new")"));
}

TEST(CsvLine, BareNullIsSqlNullButQuotedNullIsText) {
  const auto r = parse(R"(1,null,"null",nullx)");
  ASSERT_EQ(r.count, 4u);
  EXPECT_TRUE(r.fields[1].is_null());
  EXPECT_FALSE(r.fields[2].is_null());
  EXPECT_EQ(r.fields[2].text, "null");
  EXPECT_FALSE(r.fields[3].is_null());
}

TEST(CsvLine, RepairsMissingClosingQuoteAtEndOfLine) {
  const auto r = parse(R"(10,4,"https://a.example/1.jpg","https://a.example/thumb.jpg)");
  ASSERT_EQ(r.count, 4u);
  EXPECT_TRUE(r.repaired_unterminated_quote);
  EXPECT_EQ(r.fields[3].text, "https://a.example/thumb.jpg");
  EXPECT_EQ(r.fields[3].kind, FieldKind::quoted);
}

TEST(CsvLine, UnterminatedQuoteNeverSpansLines) {
  // The reader sees one physical line at a time; the field ends with the line.
  const auto r = parse("1,\"open");
  ASSERT_EQ(r.count, 2u);
  EXPECT_EQ(r.fields[1].text, "open");
}

TEST(CsvLine, IgnoresTrailingCarriageReturn) {
  const auto r = parse("1,\"a\",2\r");
  ASSERT_EQ(r.count, 3u);
  EXPECT_EQ(r.fields[2].text, "2");
  const auto quoted_last = parse("1,\"a\"\r");
  ASSERT_EQ(quoted_last.count, 2u);
  EXPECT_EQ(quoted_last.fields[1].text, "a");
  EXPECT_EQ(quoted_last.problem, LineProblem::none);
}

TEST(CsvLine, EmptyFieldsAndTrailingComma) {
  const auto r = parse("1,,\"\",");
  ASSERT_EQ(r.count, 4u);
  EXPECT_EQ(r.fields[1].text, "");
  EXPECT_EQ(r.fields[1].kind, FieldKind::bare);
  EXPECT_EQ(r.fields[2].kind, FieldKind::quoted);
  EXPECT_EQ(r.fields[3].text, "");
}

TEST(CsvLine, ReportsTooManyFields) {
  CsvRecord record;
  EXPECT_FALSE(parse_csv_line("1,2,3,4,5,6,7,8,9", record));
  EXPECT_EQ(record.problem, LineProblem::too_many_fields);
}

TEST(CsvLine, ReportsTextAfterClosingQuote) {
  CsvRecord record;
  EXPECT_FALSE(parse_csv_line(R"(1,"a"b,2)", record));
  EXPECT_EQ(record.problem, LineProblem::text_after_quote);
}

TEST(CsvLine, FieldCountOfShortLine) {
  EXPECT_EQ(parse("1,2").count, 2u);
  EXPECT_EQ(parse("").count, 1u);
}

TEST(Numbers, WholeNumbers) {
  EXPECT_EQ(parse_whole_number("0"), 0);
  EXPECT_EQ(parse_whole_number("1000011"), 1000011);
  EXPECT_EQ(parse_whole_number("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(parse_whole_number("9223372036854775808"));
  EXPECT_FALSE(parse_whole_number("99999999999999999999"));
  EXPECT_FALSE(parse_whole_number(""));
  EXPECT_FALSE(parse_whole_number("-3"));
  EXPECT_FALSE(parse_whole_number(" 3"));
  EXPECT_FALSE(parse_whole_number("3a"));
  EXPECT_FALSE(parse_whole_number("1.5"));
}

TEST(Numbers, PricesIncludingHugeOnes) {
  EXPECT_EQ(parse_price_cents("140"), 14000);
  EXPECT_EQ(parse_price_cents("0"), 0);
  EXPECT_EQ(parse_price_cents("5000000"), 500000000);
  EXPECT_EQ(parse_price_cents("500000000"), 50000000000);
  EXPECT_EQ(parse_price_cents("9999999999999.99"), 999999999999999);
  EXPECT_EQ(parse_price_cents("12.5"), 1250);
  EXPECT_EQ(parse_price_cents("12.05"), 1205);
  EXPECT_FALSE(parse_price_cents("10000000000000"));  // 14 digits: beyond numeric(15,2)
  EXPECT_FALSE(parse_price_cents("12.345"));
  EXPECT_FALSE(parse_price_cents("12."));
  EXPECT_FALSE(parse_price_cents(".5"));
  EXPECT_FALSE(parse_price_cents("abc"));
  EXPECT_FALSE(parse_price_cents("-1"));
  EXPECT_FALSE(parse_price_cents("null"));
}

TEST(Numbers, Flags) {
  EXPECT_EQ(parse_flag("1"), true);
  EXPECT_EQ(parse_flag("0"), false);
  EXPECT_EQ(parse_flag("true"), true);
  EXPECT_FALSE(parse_flag("2"));
  EXPECT_FALSE(parse_flag(""));
}

}  // namespace
}  // namespace atelier::etl

namespace atelier::etl {
namespace {

TEST(Utf8, AcceptsAsciiAndMultibyte) {
  EXPECT_TRUE(is_clean_utf8(""));
  EXPECT_TRUE(is_clean_utf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(is_clean_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F and more ascii"));
}

TEST(Utf8, RejectsInvalidSequencesAndNul) {
  EXPECT_FALSE(is_clean_utf8("bad \xC3 end"));
  EXPECT_FALSE(is_clean_utf8("\xC0\xAF overlong"));
  EXPECT_FALSE(is_clean_utf8("\xED\xA0\x80 surrogate"));
  EXPECT_FALSE(is_clean_utf8("latin1 \xE9t\xE9"));
  EXPECT_FALSE(is_clean_utf8(std::string_view("nul\0inside long line", 20)));
  EXPECT_FALSE(is_clean_utf8("truncated \xE2\x82"));
}

}  // namespace
}  // namespace atelier::etl
