// COPY text-format encoding (PostgreSQL docs, COPY "Text Format").
#include "etl/copy_text.hpp"

#include <gtest/gtest.h>

namespace atelier::etl {
namespace {

std::string encode(std::string_view text) {
  std::string out;
  append_copy_text(out, text);
  return out;
}

TEST(CopyText, PlainTextPassesUnchanged) {
  EXPECT_EQ(encode("Camo Onesie, it's  & more \"q\""), "Camo Onesie, it's  & more \"q\"");
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(CopyText, EscapesBackslashTabNewlineCarriageReturn) {
  EXPECT_EQ(encode("a\\b"), "a\\\\b");
  EXPECT_EQ(encode("a\tb"), "a\\tb");
  EXPECT_EQ(encode("a\nb"), "a\\nb");
  EXPECT_EQ(encode("a\rb"), "a\\rb");
  EXPECT_EQ(encode("\\N"), "\\\\N");  // the text \N is not NULL
}

TEST(CopyText, FieldCollapsesDoubledQuotes) {
  CsvField field{R"(say ""hi"" \ ok)", FieldKind::quoted, true};
  std::string out;
  append_copy_field(out, field);
  EXPECT_EQ(out, R"(say "hi" \\ ok)");
}

TEST(CopyText, NullFieldIsBackslashN) {
  CsvField field{"null", FieldKind::null, false};
  std::string out;
  append_copy_field(out, field);
  EXPECT_EQ(out, "\\N");
}

TEST(CopyText, Integers) {
  std::string out;
  append_copy_int(out, 0);
  out.push_back(' ');
  append_copy_int(out, -42);
  out.push_back(' ');
  append_copy_int(out, INT64_MAX);
  EXPECT_EQ(out, "0 -42 9223372036854775807");
}

}  // namespace
}  // namespace atelier::etl
