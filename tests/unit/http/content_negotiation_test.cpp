// Every Accept-Encoding rule of http/content_negotiation.* (RFC 9110 §12.5.3), one behaviour per
// test.
#include "http/content_negotiation.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <vector>

namespace atelier::http {
namespace {

using encoding::Coding;

const std::vector<Coding> kGzip = {Coding::gzip};
const std::vector<Coding> kBrThenGzip = {Coding::br, Coding::gzip};
const std::vector<Coding> kNone = {};

Coding pick(std::optional<std::string_view> header, const std::vector<Coding>& offered = kGzip) {
  return negotiate_coding(header, offered);
}

TEST(ContentNegotiation, NoHeaderIsIdentity) {
  EXPECT_EQ(pick(std::nullopt), Coding::identity);
  EXPECT_EQ(pick(std::nullopt, kBrThenGzip), Coding::identity);
}

TEST(ContentNegotiation, EmptyHeaderMeansNoCodingWanted) {
  EXPECT_EQ(pick(""), Coding::identity);
  EXPECT_EQ(pick("  "), Coding::identity);
}

TEST(ContentNegotiation, IdentityOnlyIsIdentity) {
  EXPECT_EQ(pick("identity"), Coding::identity);
}

TEST(ContentNegotiation, BrowserHeaderGetsGzip) {
  EXPECT_EQ(pick("gzip, deflate, br"), Coding::gzip);
  EXPECT_EQ(pick("gzip, deflate, br, zstd"), Coding::gzip);
}

TEST(ContentNegotiation, BrowserHeaderGetsBrWhenTheServicePrefersIt) {
  EXPECT_EQ(pick("gzip, deflate, br", kBrThenGzip), Coding::br);
}

TEST(ContentNegotiation, BrOnlyClientGetsIdentityWhenNoBrIsOffered) {
  EXPECT_EQ(pick("br"), Coding::identity);
  EXPECT_EQ(pick("br", kBrThenGzip), Coding::br);
}

TEST(ContentNegotiation, GzipWithQZeroIsNotAcceptable) {
  EXPECT_EQ(pick("gzip;q=0"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=0.000, deflate"), Coding::identity);
  EXPECT_EQ(pick("br;q=0, gzip", kBrThenGzip), Coding::gzip);
}

TEST(ContentNegotiation, HighestQValueWins) {
  EXPECT_EQ(pick("gzip;q=0.5, br;q=0.8", kBrThenGzip), Coding::br);
  EXPECT_EQ(pick("gzip;q=0.9, br;q=0.8", kBrThenGzip), Coding::gzip);
  EXPECT_EQ(pick("gzip;q=0.001"), Coding::gzip);
}

TEST(ContentNegotiation, EqualQValuesGoToTheServicesPreference) {
  EXPECT_EQ(pick("gzip;q=0.5, br;q=0.5", kBrThenGzip), Coding::br);
  // Compression beats identity on a tie.
  EXPECT_EQ(pick("identity, gzip"), Coding::gzip);
}

TEST(ContentNegotiation, IdentityWeighedAboveGzipWins) {
  EXPECT_EQ(pick("gzip;q=0.5, identity"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=0.5, identity;q=0.6"), Coding::identity);
}

TEST(ContentNegotiation, IdentityNotNamedIsTheLeastWanted) {
  EXPECT_EQ(pick("gzip;q=0.5"), Coding::gzip);
  EXPECT_EQ(pick("gzip;q=0.001"), Coding::gzip);
}

TEST(ContentNegotiation, WildcardAcceptsEveryCodingNotNamed) {
  EXPECT_EQ(pick("*"), Coding::gzip);
  EXPECT_EQ(pick("*", kBrThenGzip), Coding::br);
  EXPECT_EQ(pick("*;q=0.5"), Coding::gzip);
  EXPECT_EQ(pick("deflate, *;q=0.2"), Coding::gzip);
}

TEST(ContentNegotiation, NamedCodingOverridesTheWildcard) {
  EXPECT_EQ(pick("*, gzip;q=0"), Coding::identity);
  EXPECT_EQ(pick("*, gzip;q=0", kBrThenGzip), Coding::br);
  EXPECT_EQ(pick("gzip;q=0, *"), Coding::identity);
}

TEST(ContentNegotiation, WildcardWithQZeroLeavesOnlyNamedCodings) {
  EXPECT_EQ(pick("gzip, *;q=0"), Coding::gzip);
  EXPECT_EQ(pick("identity, *;q=0"), Coding::identity);
  EXPECT_EQ(pick("br, *;q=0"), Coding::identity);  // nothing acceptable: disregarded
}

TEST(ContentNegotiation, IdentityExcludedStillGetsGzip) {
  EXPECT_EQ(pick("gzip, identity;q=0"), Coding::gzip);
  EXPECT_EQ(pick("identity;q=0, *"), Coding::gzip);
}

TEST(ContentNegotiation, NothingAcceptableFallsBackToIdentity) {
  EXPECT_EQ(pick("identity;q=0, *;q=0"), Coding::identity);
  EXPECT_EQ(pick("identity;q=0"), Coding::identity);  // gzip is not named either
  EXPECT_EQ(pick("*;q=0"), Coding::identity);
  EXPECT_EQ(pick("gzip", kNone), Coding::identity);
  EXPECT_EQ(pick("identity;q=0", kNone), Coding::identity);
}

TEST(ContentNegotiation, NamesAreCaseInsensitiveAndXGzipIsGzip) {
  EXPECT_EQ(pick("GZIP"), Coding::gzip);
  EXPECT_EQ(pick("x-gzip"), Coding::gzip);
  EXPECT_EQ(pick("Gzip ; Q=0.3"), Coding::gzip);
  EXPECT_EQ(pick("BR", kBrThenGzip), Coding::br);
}

TEST(ContentNegotiation, MalformedQValuesIgnoreTheirElement) {
  EXPECT_EQ(pick("gzip;q=2"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=1.5"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=0.1234"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=abc"), Coding::identity);
  EXPECT_EQ(pick("gzip;q="), Coding::identity);
  EXPECT_EQ(pick("gzip;q=1.000"), Coding::gzip);
  // An ignored element does not hide a later valid one.
  EXPECT_EQ(pick("gzip;q=9, gzip"), Coding::gzip);
}

TEST(ContentNegotiation, OtherParametersAreIgnored) {
  EXPECT_EQ(pick("gzip;level=9"), Coding::gzip);
  EXPECT_EQ(pick("gzip;level=9;q=0"), Coding::identity);
}

TEST(ContentNegotiation, WhitespaceAndEmptyElementsAreTolerated) {
  EXPECT_EQ(pick(" , gzip ,,"), Coding::gzip);
  EXPECT_EQ(pick("\tgzip\t;\tq=0.5\t"), Coding::gzip);
  EXPECT_EQ(pick(",,,"), Coding::identity);
}

TEST(ContentNegotiation, UnknownCodingsAreNotOffered) {
  EXPECT_EQ(pick("deflate"), Coding::identity);
  EXPECT_EQ(pick("compress, zstd"), Coding::identity);
}

TEST(ContentNegotiation, FirstElementNamingACodingDecides) {
  EXPECT_EQ(pick("gzip;q=0, gzip"), Coding::identity);
  EXPECT_EQ(pick("gzip, gzip;q=0"), Coding::gzip);
}

}  // namespace
}  // namespace atelier::http
