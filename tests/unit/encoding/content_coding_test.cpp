// gzip compression and inflation of whole bodies (encoding/content_coding.*).
#include "encoding/content_coding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace atelier::encoding {
namespace {

using namespace std::string_literals;

const std::string kJson =
    R"({"product_id":"1","results":[{"style_id":1,"name":"Forest Green & Black",)"
    R"("original_price":"140.00","sale_price":null,"default?":true,"photos":[{"thumbnail_url":)"
    R"("https://images.unsplash.com/photo-1501088430049-71c79fa3283e?w=300&q=80","url":)"
    R"("https://images.unsplash.com/photo-1501088430049-71c79fa3283e?w=668&q=80"}]}]})";

TEST(Gzip, RoundTripsExactBytes) {
  const std::string compressed = gzip_compress(kJson);
  EXPECT_LT(compressed.size(), kJson.size());
  EXPECT_EQ(gzip_inflate(compressed, 1 << 20), kJson);
}

TEST(Gzip, IsOneGzipMemberWithoutNameOrTimestamp) {
  const std::string compressed = gzip_compress(kJson);
  ASSERT_GE(compressed.size(), 18u);
  EXPECT_EQ(compressed.substr(0, 3), "\x1f\x8b\x08"s);       // magic, deflate
  EXPECT_EQ(compressed[3], '\0');                            // no flags: no file name, no comment
  EXPECT_EQ(compressed.substr(4, 4), std::string(4, '\0'));  // mtime 0
}

TEST(Gzip, SameInputSameBytes) {
  // Every host and the warm-up tool must make identical bytes (ETags name them).
  EXPECT_EQ(gzip_compress(kJson), gzip_compress(kJson));
}

TEST(Gzip, EmptyAndBinaryBodiesRoundTrip) {
  EXPECT_EQ(gzip_inflate(gzip_compress(""), 16), "");
  const std::string binary = "a\0b\r\n\xff\0"s;
  EXPECT_EQ(gzip_inflate(gzip_compress(binary), 16), binary);
}

TEST(Gzip, InflateRejectsTruncatedTrailingAndGarbageInput) {
  const std::string compressed = gzip_compress(kJson);
  EXPECT_FALSE(gzip_inflate(compressed.substr(0, compressed.size() - 1), 1 << 20));
  EXPECT_FALSE(gzip_inflate(compressed.substr(0, 10), 1 << 20));
  EXPECT_FALSE(gzip_inflate(compressed + "x", 1 << 20));
  EXPECT_FALSE(gzip_inflate(kJson, 1 << 20));
  EXPECT_FALSE(gzip_inflate("", 1 << 20));
  std::string bad_crc = compressed;
  bad_crc[bad_crc.size() - 5] = static_cast<char>(bad_crc[bad_crc.size() - 5] ^ 0x55);
  EXPECT_FALSE(gzip_inflate(bad_crc, 1 << 20));
}

TEST(Gzip, InflateStopsAtMaxSize) {
  const std::string big(100000, 'a');
  const std::string compressed = gzip_compress(big);
  EXPECT_FALSE(gzip_inflate(compressed, big.size() - 1));
  EXPECT_EQ(gzip_inflate(compressed, big.size()), big);
}

TEST(Coding, Tokens) {
  EXPECT_EQ(to_string(Coding::identity), "identity");
  EXPECT_EQ(to_string(Coding::gzip), "gzip");
  EXPECT_EQ(to_string(Coding::br), "br");
}

}  // namespace
}  // namespace atelier::encoding
