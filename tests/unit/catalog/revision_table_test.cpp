// A host's product id -> revision table (src/catalog/revision_table.*): dense and sparse ids,
// removal with 0, its size and iteration, and a reader racing the one writer.
#include "catalog/revision_table.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <map>
#include <thread>

namespace atelier::catalog {
namespace {

constexpr std::int64_t kSparse = RevisionTable::kDenseLimit + 7;

TEST(RevisionTable, AnIdNeverSetHasRevisionZero) {
  const RevisionTable table;
  EXPECT_EQ(table.get(1), 0u);
  EXPECT_EQ(table.get(-1), 0u);
  EXPECT_EQ(table.get(kSparse), 0u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(RevisionTable, SetReturnsThePreviousRevision) {
  RevisionTable table;
  for (const std::int64_t id : {std::int64_t{5}, std::int64_t{-3}, kSparse}) {
    EXPECT_EQ(table.set(id, 100), 0u) << id;
    EXPECT_EQ(table.set(id, 200), 100u) << id;
    EXPECT_EQ(table.get(id), 200u) << id;
  }
  EXPECT_EQ(table.size(), 3u);
}

TEST(RevisionTable, SettingZeroRemovesAnId) {
  RevisionTable table;
  table.set(5, 100);
  table.set(kSparse, 100);
  EXPECT_EQ(table.set(5, 0), 100u);
  EXPECT_EQ(table.set(kSparse, 0), 100u);
  EXPECT_EQ(table.get(5), 0u);
  EXPECT_EQ(table.get(kSparse), 0u);
  EXPECT_EQ(table.size(), 0u);
  // Removing what is not there changes nothing.
  EXPECT_EQ(table.set(RevisionTable::kChunkSize * 3, 0), 0u);
  EXPECT_EQ(table.set(kSparse + 1, 0), 0u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(RevisionTable, IdsInOneChunkDoNotShareASlot) {
  RevisionTable table;
  const std::int64_t last_of_first = RevisionTable::kChunkSize - 1;
  table.set(0, 1);
  table.set(last_of_first, 2);
  table.set(RevisionTable::kChunkSize, 3);
  EXPECT_EQ(table.get(0), 1u);
  EXPECT_EQ(table.get(last_of_first), 2u);
  EXPECT_EQ(table.get(RevisionTable::kChunkSize), 3u);
  EXPECT_EQ(table.get(1), 0u);
}

TEST(RevisionTable, ForEachVisitsEveryIdWithARevisionOnce) {
  RevisionTable table;
  const std::map<std::int64_t, std::uint64_t> set{
      {1, 11}, {RevisionTable::kChunkSize + 2, 22}, {-9, 33}, {kSparse, 44}};
  for (const auto& [id, revision] : set) table.set(id, revision);
  table.set(77, 5);
  table.set(77, 0);  // removed: not visited
  std::map<std::int64_t, std::uint64_t> seen;
  table.for_each([&](std::int64_t id, std::uint64_t revision) {
    EXPECT_TRUE(seen.emplace(id, revision).second) << id << " visited twice";
  });
  EXPECT_EQ(seen, set);
  EXPECT_EQ(table.size(), set.size());
}

// The writer moves one product through revisions 1..N while a reader reads it: every read is a
// revision that was written (0 before the first), never going back.
TEST(RevisionTable, AReaderSeesOnlyWrittenRevisionsInOrderWhileTheWriterMovesThem) {
  RevisionTable table;
  constexpr std::uint64_t kLast = 20000;
  const std::int64_t id = RevisionTable::kChunkSize * 5 + 1;  // a chunk made while reading
  std::latch both(2);
  std::atomic<bool> ordered{true};
  std::thread reader([&] {
    both.arrive_and_wait();
    std::uint64_t seen = 0;
    while (seen != kLast) {
      const std::uint64_t now = table.get(id);
      if (now < seen || now > kLast) ordered = false;
      seen = std::max(seen, now);
      if (!ordered) break;
    }
  });
  both.arrive_and_wait();
  for (std::uint64_t revision = 1; revision <= kLast; ++revision) table.set(id, revision);
  reader.join();
  EXPECT_TRUE(ordered.load());
  EXPECT_EQ(table.get(id), kLast);
}

}  // namespace
}  // namespace atelier::catalog
