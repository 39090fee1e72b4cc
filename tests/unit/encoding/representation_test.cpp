// What the cache keeps of a body and how each representation is sent (encoding/representation.*).
#include "encoding/representation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "json/serialize.hpp"

namespace atelier::encoding {
namespace {

model::Style style(std::int64_t id) {
  model::Style s;
  s.id = id;
  s.name = "Forest Green & Black";
  s.original_price = 14000;
  s.is_default = id == 1;
  s.photos = {{"https://images.unsplash.com/photo-1501088430049-71c79fa3283e?w=300&q=80",
               "https://images.unsplash.com/photo-1501088430049-71c79fa3283e?w=668&q=80"}};
  s.skus = {{id * 10 + 1, 8, "XS"}, {id * 10 + 2, 16, "S"}};
  return s;
}

// A styles body exactly as the contract wants it (byte-for-byte shape tested in
// tests/unit/json/styles_test.cpp).
std::string styles_json() {
  return json::write_styles({1, {style(1), style(2), style(3)}});
}

TEST(MakeEntry, KeepsABodyGzipCompressedWithTheIdentityETag) {
  const std::string json = styles_json();
  const cache::Entry entry = make_entry(json);
  EXPECT_EQ(entry.status, 200);
  EXPECT_EQ(entry.coding, cache::BodyCoding::gzip);
  EXPECT_EQ(entry.etag, json::etag_for(json));
  EXPECT_LT(entry.body.size(), json.size());
}

TEST(MakeEntry, CompressedBodyInflatesToExactlyTheContractJson) {
  const std::string json = styles_json();
  EXPECT_EQ(gzip_inflate(make_entry(json).body, kMaxBodyBytes), json);
  EXPECT_EQ(body_in(make_entry(json), Coding::identity), json);
}

TEST(MakeEntry, TinyBodiesStayIdentity) {
  for (const std::string json : {"[]", "[1,2,3]", "{\"id\":1}"}) {
    const cache::Entry entry = make_entry(json);
    EXPECT_EQ(entry.coding, cache::BodyCoding::identity) << json;
    EXPECT_EQ(entry.body, json);
    EXPECT_EQ(entry.etag, json::etag_for(json));
  }
}

TEST(MakeEntry, SameBodySameEntry) {
  // A hit (made by another host or the warm-up) and a miss answer the same bytes.
  EXPECT_EQ(make_entry(styles_json()), make_entry(styles_json()));
}

TEST(CodingsOf, OnlyTheKeptCompressedCoding) {
  const auto gzip = codings_of(make_entry(styles_json()));
  ASSERT_EQ(gzip.size(), 1u);
  EXPECT_EQ(gzip[0], Coding::gzip);
  EXPECT_TRUE(codings_of(make_entry("[]")).empty());
}

TEST(RepresentationEtag, IdentityKeepsItsTagOthersGetASuffixInsideTheQuotes) {
  EXPECT_EQ(representation_etag("\"0123456789abcdef\"", Coding::identity), "\"0123456789abcdef\"");
  EXPECT_EQ(representation_etag("\"0123456789abcdef\"", Coding::gzip), "\"0123456789abcdef-gzip\"");
  EXPECT_EQ(representation_etag("\"0123456789abcdef\"", Coding::br), "\"0123456789abcdef-br\"");
  EXPECT_EQ(representation_etag("", Coding::gzip), "");
}

TEST(BodyIn, GzipIsTheKeptBytesIdentityIsInflated) {
  const std::string json = styles_json();
  const cache::Entry entry = make_entry(json);
  EXPECT_EQ(body_in(cache::Entry(entry), Coding::gzip), entry.body);
  EXPECT_EQ(body_in(cache::Entry(entry), Coding::identity), json);
}

TEST(BodyIn, IdentityEntryIsOnlyIdentity) {
  EXPECT_EQ(body_in(make_entry("[]"), Coding::identity), "[]");
  EXPECT_FALSE(body_in(make_entry("[]"), Coding::gzip));
}

TEST(BodyIn, CorruptKeptBytesAreNotSent) {
  cache::Entry entry = make_entry(styles_json());
  entry.body.resize(entry.body.size() / 2);
  EXPECT_FALSE(body_in(std::move(entry), Coding::identity));
}

}  // namespace
}  // namespace atelier::encoding
