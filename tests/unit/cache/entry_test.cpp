#include "cache/entry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace atelier::cache {
namespace {

using namespace std::string_literals;

TEST(EntryCodec, RoundTripsA200Entry) {
  const Entry entry{200, "\"0123456789abcdef\"", R"({"id":1,"name":"Camo Onesie"})"};
  const std::string bytes = encode_entry(entry);
  EXPECT_EQ(decode_entry(std::string_view(bytes)), entry);
  EXPECT_EQ(decode_entry(std::string(bytes)), entry);
}

TEST(EntryCodec, RoundTripsA404EntryWithoutEtag) {
  const Entry entry{404, "", R"({"error":"No product with id 99."})"};
  EXPECT_EQ(decode_entry(encode_entry(entry)), entry);
}

TEST(EntryCodec, LayoutIsVersionStatusCodingEtagLengthEtagBody) {
  const std::string bytes = encode_entry(Entry{200, "\"ab\"", "[]"});
  EXPECT_EQ(bytes, "\x02"s + "200" + "\x00"s + "\x04"s + "\"ab\"" + "[]");
  const std::string gzip = encode_entry(Entry{200, "\"ab\"", "\x1f\x8b", BodyCoding::gzip});
  EXPECT_EQ(gzip, "\x02"s + "200" + "\x01"s + "\x04"s + "\"ab\"" + "\x1f\x8b");
}

TEST(EntryCodec, RoundTripsAGzipEntry) {
  const Entry entry{200, "\"0123456789abcdef\"", "\x1f\x8b\x08\0\0"s, BodyCoding::gzip};
  EXPECT_EQ(decode_entry(std::string_view(encode_entry(entry))), entry);
  EXPECT_EQ(decode_entry(encode_entry(entry)), entry);
}

TEST(EntryCodec, BodyIsBinarySafe) {
  const Entry entry{200, "\"t\"", "a\0b\r\n\xff\0"s};
  const auto decoded = decode_entry(encode_entry(entry));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body.size(), 7u);
  EXPECT_EQ(*decoded, entry);
}

TEST(EntryCodec, EmptyBodyRoundTrips) {
  const Entry entry{200, "\"e\"", ""};
  EXPECT_EQ(decode_entry(encode_entry(entry)), entry);
}

TEST(EntryCodec, MaxEtagLengthRoundTrips) {
  const Entry entry{200, std::string(kMaxEtagSize, 'x'), "body"};
  EXPECT_EQ(decode_entry(encode_entry(entry)), entry);
}

TEST(EntryCodec, EncodeRejectsBadStatusAndLongEtag) {
  EXPECT_THROW(encode_entry(Entry{99, "", ""}), std::invalid_argument);
  EXPECT_THROW(encode_entry(Entry{600, "", ""}), std::invalid_argument);
  EXPECT_THROW(encode_entry(Entry{200, std::string(kMaxEtagSize + 1, 'x'), ""}),
               std::invalid_argument);
  EXPECT_THROW(encode_entry(Entry{200, "", "", static_cast<BodyCoding>(7)}), std::invalid_argument);
}

TEST(EntryCodec, MalformedValuesDecodeAsMiss) {
  const std::string valid = encode_entry(Entry{200, "\"abc\"", "{}"});
  EXPECT_FALSE(decode_entry(std::string_view("")));
  // Version 1 (no coding byte) is read as a miss and rewritten by the next load.
  EXPECT_FALSE(decode_entry("\x01"s + "200" + "\x05"s + "\"abc\"" + "{}"));
  EXPECT_FALSE(decode_entry("\x02"s + "200" + "\x00"s));                    // short header
  EXPECT_FALSE(decode_entry(std::string_view("{\"id\":1}")));               // raw JSON, no header
  EXPECT_FALSE(decode_entry("\x03"s + valid.substr(1)));                    // unknown format
  EXPECT_FALSE(decode_entry("\x02"s + "2x0" + valid.substr(4)));            // non-digit status
  EXPECT_FALSE(decode_entry("\x02"s + "099" + valid.substr(4)));            // status below 100
  EXPECT_FALSE(decode_entry("\x02"s + "200" + "\x02"s + valid.substr(5)));  // unknown coding
  EXPECT_FALSE(decode_entry("\x02"s + "200" + "\x00\x09"s + "\"abc\""));    // etag past the end
  EXPECT_FALSE(decode_entry(std::string_view(valid).substr(0, 8)));         // truncated etag
}

// What a host would put in a header line: a bad ETag read from Redis must never reach a client.
TEST(EntryCodec, OnlyHeaderSafeStrongEtagsAreSendable) {
  EXPECT_TRUE(is_sendable_etag(""));
  EXPECT_TRUE(is_sendable_etag("\"\""));
  EXPECT_TRUE(is_sendable_etag("\"0123456789abcdef\""));
  EXPECT_TRUE(is_sendable_etag("\"a-b_c.d~!#$%&'()*+,/:;<=>?@[]^`{|}\""));
  EXPECT_FALSE(is_sendable_etag("abc"));                       // no quotes
  EXPECT_FALSE(is_sendable_etag("\"abc"));                     // unterminated
  EXPECT_FALSE(is_sendable_etag("\""));                        // a lone quote
  EXPECT_FALSE(is_sendable_etag("W/\"abc\""));                 // weak: never ours
  EXPECT_FALSE(is_sendable_etag("\"a\r\nSet-Cookie: x=1\""));  // header injection
  EXPECT_FALSE(is_sendable_etag("\"a\nb\""));
  EXPECT_FALSE(is_sendable_etag("\"a b\""));          // blank
  EXPECT_FALSE(is_sendable_etag("\"a\"b\""));         // inner quote
  EXPECT_FALSE(is_sendable_etag("\"a\0b\""s));        // NUL
  EXPECT_FALSE(is_sendable_etag("\"a\x7f\""));        // DEL
  EXPECT_FALSE(is_sendable_etag("\"caf\xc3\xa9\""));  // obs-text
}

TEST(EntryCodec, EntriesWithABadEtagStatusOrGzipBodyAreNotSendable) {
  const std::string gzip_empty = "\x1f\x8b\x08\0\0\0\0\0\0\x03\x03\0\0\0\0\0\0\0\0\0"s;
  EXPECT_TRUE(is_sendable(Entry{200, "\"e\"", "{}"}));
  EXPECT_TRUE(is_sendable(Entry{404, "", "{\"error\":\"x\"}"}));
  EXPECT_TRUE(is_sendable(Entry{200, "\"e\"", gzip_empty, BodyCoding::gzip}));
  EXPECT_FALSE(is_sendable(Entry{200, "\"e\r\n\"", "{}"}));
  EXPECT_FALSE(is_sendable(Entry{101, "", ""}));
  EXPECT_FALSE(is_sendable(Entry{204, "", ""}));
  EXPECT_FALSE(is_sendable(Entry{304, "\"e\"", ""}));
  EXPECT_FALSE(is_sendable(Entry{200, "\"e\"", "{\"id\":1} not gzip", BodyCoding::gzip}));
  EXPECT_FALSE(is_sendable(Entry{200, "\"e\"", gzip_empty.substr(0, 17), BodyCoding::gzip}));
}

}  // namespace
}  // namespace atelier::cache
