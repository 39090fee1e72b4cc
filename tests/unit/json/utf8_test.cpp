// UTF-8 validation and U+FFFD repair (src/json/utf8.cpp).
#include <gtest/gtest.h>

#include <string>

#include "json/utf8.hpp"

namespace atelier::json {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(IsValidUtf8, AcceptsAsciiAndMultibyte) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));             // é, 2 bytes
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC 100"));        // €, 3 bytes
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x91\x9F shoes"));  // 👟, 4 bytes
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));            // U+D7FF, last before surrogates
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
}

TEST(IsValidUtf8, RejectsIllFormedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // lead byte out of range
  EXPECT_FALSE(is_valid_utf8("abc\xC3"));           // truncated at end
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xE2\x82"));  // truncated after the ASCII fast path
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("Latin-1 caf\xE9 au lait"));
}

TEST(ReplaceInvalidUtf8, LeavesValidTextUnchanged) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F";
  EXPECT_EQ(replace_invalid_utf8(text), text);
}

TEST(ReplaceInvalidUtf8, OneReplacementPerMaximalSubpart) {
  EXPECT_EQ(replace_invalid_utf8("caf\xE9"), "caf" + kFffd);
  EXPECT_EQ(replace_invalid_utf8("caf\xE9 au lait"), "caf" + kFffd + " au lait");
  // A truncated 3-byte sequence is one subpart -> one U+FFFD, then the ASCII survives.
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82"
                                 "A"),
            kFffd + "A");
  // E0 80: 80 is not allowed after E0, so E0 and 80 are two subparts.
  EXPECT_EQ(replace_invalid_utf8("\xE0\x80"), kFffd + kFffd);
  // Surrogate: ED, A0, 80 are three subparts.
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(replace_invalid_utf8("\x80\x80"), kFffd + kFffd);
  EXPECT_EQ(replace_invalid_utf8("\xF0\x9F\x91"), kFffd);
  EXPECT_EQ(replace_invalid_utf8("ok\xF0\x9F\x91\x9Fok\xFF"), "ok\xF0\x9F\x91\x9Fok" + kFffd);
}

TEST(ReplaceInvalidUtf8, ResultIsAlwaysValid) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (int i = 255; i >= 0; --i) all_bytes.push_back(static_cast<char>(i));
  EXPECT_FALSE(is_valid_utf8(all_bytes));
  EXPECT_TRUE(is_valid_utf8(replace_invalid_utf8(all_bytes)));
}

}  // namespace
}  // namespace atelier::json
