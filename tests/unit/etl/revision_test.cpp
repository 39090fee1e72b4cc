// Per-product digests and revisions (src/etl/revision.*): what makes two loads give a product the
// same revision (and so the same cache keys and ETags) or a new one.
#include "etl/revision.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace atelier::etl {
namespace {

constexpr std::array<std::uint64_t, kDigestFiles> kDigests{11, 22, 33, 44, 55, 66};

TEST(FoldRow, TheSameRowsInAnotherOrderGiveAnotherDigest) {
  EXPECT_NE(fold_row(fold_row(0, 1), 2), fold_row(fold_row(0, 2), 1));
  EXPECT_EQ(fold_row(fold_row(0, 1), 2), fold_row(fold_row(0, 1), 2));
}

TEST(FoldRow, ARowChangesTheDigestEvenFromZero) {
  EXPECT_NE(fold_row(0, 0), 0u);
  EXPECT_NE(fold_row(0, 1), fold_row(0, 2));
}

TEST(ProductDigests, AProductWithoutRowsIsZero) {
  const ProductDigests digests;
  EXPECT_EQ(digests.get(1), 0u);
  EXPECT_EQ(digests.get(-1), 0u);
  EXPECT_EQ(digests.get(ProductDigests::kDenseLimit + 1), 0u);
}

TEST(ProductDigests, RowsFoldPerProductInFileOrder) {
  ProductDigests digests;
  digests.add(7, 100);
  digests.add(8, 999);
  digests.add(7, 200);
  EXPECT_EQ(digests.get(7), fold_row(fold_row(0, 100), 200));
  EXPECT_EQ(digests.get(8), fold_row(0, 999));
}

TEST(ProductDigests, IdsBeyondTheDenseRangeAndNegativeIdsFoldTheSame) {
  ProductDigests digests;
  for (const std::int64_t id :
       {std::int64_t{-5}, ProductDigests::kDenseLimit, ProductDigests::kDenseLimit * 4}) {
    digests.add(id, 100);
    digests.add(id, 200);
    EXPECT_EQ(digests.get(id), fold_row(fold_row(0, 100), 200)) << id;
  }
}

TEST(ProductDigests, ResetStartsOneProductOverAndLeavesTheOthers) {
  ProductDigests digests;
  const std::int64_t sparse = ProductDigests::kDenseLimit + 3;
  for (const std::int64_t id : {std::int64_t{3}, std::int64_t{4}, sparse}) digests.add(id, 1);
  digests.reset(3);
  digests.reset(sparse);
  EXPECT_EQ(digests.get(3), 0u);
  EXPECT_EQ(digests.get(sparse), 0u);
  EXPECT_EQ(digests.get(4), fold_row(0, 1));
  digests.add(3, 2);
  EXPECT_EQ(digests.get(3), fold_row(0, 2)) << "rows after a reset fold from zero";
  digests.reset(12345);  // never seen: nothing to do, nothing grows
  EXPECT_EQ(digests.get(12345), 0u);
}

TEST(ContentDigest, EachFilesDigestCountsAndSoDoesWhichFileItIsIn) {
  const std::uint64_t base = content_digest(kDigests);
  for (std::size_t i = 0; i < kDigestFiles; ++i) {
    auto changed = kDigests;
    changed[i] += 1;
    EXPECT_NE(content_digest(changed), base) << "file " << i;
  }
  auto swapped = kDigests;
  std::swap(swapped[0], swapped[1]);
  EXPECT_NE(content_digest(swapped), base);
}

TEST(RevisionOf, NamesContentAndBothTimestamps) {
  const std::uint64_t content = content_digest(kDigests);
  const std::uint64_t revision = revision_of(content, 1000, 2000);
  EXPECT_NE(revision, 0u);
  EXPECT_EQ(revision_of(content, 1000, 2000), revision);
  EXPECT_NE(revision_of(content + 1, 1000, 2000), revision);
  EXPECT_NE(revision_of(content, 1001, 2000), revision);
  EXPECT_NE(revision_of(content, 1000, 2001), revision);
}

TEST(Stamp, ANewProductIsCreatedAndUpdatedNow) {
  ProductState next{1, kDigests};
  stamp(next, nullptr, 5000);
  EXPECT_EQ(next.created_ms, 5000);
  EXPECT_EQ(next.updated_ms, 5000);
  EXPECT_EQ(next.revision, revision_of(content_digest(kDigests), 5000, 5000));
}

TEST(Stamp, AnUnchangedProductKeepsItsTimestampsAndRevision) {
  ProductState previous{1, kDigests};
  stamp(previous, nullptr, 1000);
  ProductState next{1, kDigests};
  stamp(next, &previous, 9000);
  EXPECT_EQ(next.created_ms, 1000);
  EXPECT_EQ(next.updated_ms, 1000);
  EXPECT_EQ(next.revision, previous.revision);
}

TEST(Stamp, AChangedProductKeepsItsCreationAndMovesItsUpdateAndRevision) {
  ProductState previous{1, kDigests};
  stamp(previous, nullptr, 1000);
  auto digests = kDigests;
  digests[static_cast<std::size_t>(DigestFile::skus)] += 1;
  ProductState next{1, digests};
  stamp(next, &previous, 9000);
  EXPECT_EQ(next.created_ms, 1000);
  EXPECT_EQ(next.updated_ms, 9000);
  EXPECT_NE(next.revision, previous.revision);
  EXPECT_EQ(next.revision, revision_of(content_digest(digests), 1000, 9000));
}

TEST(CopyTimestamp, IsTimestamptzTextInUtcWithMilliseconds) {
  EXPECT_EQ(copy_timestamp(0), "1970-01-01 00:00:00.000+00");
  EXPECT_EQ(copy_timestamp(1628865524509), "2021-08-13 14:38:44.509+00");
  EXPECT_EQ(copy_timestamp(951782400001), "2000-02-29 00:00:00.001+00");
}

}  // namespace
}  // namespace atelier::etl
