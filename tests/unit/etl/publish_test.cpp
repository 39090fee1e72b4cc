// What a publish lists (src/etl/publish.*): the products whose revision changed, appeared or
// disappeared between two datasets' states, and the counts recorded in atelier.publishes.
#include "etl/publish.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace atelier::etl {

// Found by argument-dependent lookup from the comparisons of std::vector and from gtest's
// printing, so in the namespace of ProductChange (not an anonymous one).
inline bool operator==(const ProductChange& a, const ProductChange& b) {
  return a.product_id == b.product_id && a.revision == b.revision && a.previous == b.previous;
}

inline void PrintTo(const ProductChange& c, std::ostream* out) {
  *out << "{" << c.product_id << ", " << (c.revision ? std::to_string(*c.revision) : "deleted")
       << ", " << (c.previous ? std::to_string(*c.previous) : "added") << "}";
}

namespace {

ProductState state(std::int64_t id, std::uint64_t revision) {
  ProductState s;
  s.id = id;
  s.revision = revision;
  return s;
}

TEST(DiffStates, IdenticalStatesListNothing) {
  const std::vector<ProductState> states{state(1, 10), state(2, 20)};
  EXPECT_TRUE(diff_states(states, states).empty());
  EXPECT_TRUE(diff_states({}, {}).empty());
}

TEST(DiffStates, AChangedRevisionIsListedWithTheNewAndTheOld) {
  const auto changes = diff_states({state(1, 10), state(2, 20)}, {state(1, 10), state(2, 21)});
  EXPECT_EQ(changes, (std::vector<ProductChange>{{2, 21, 20}}));
}

TEST(DiffStates, AnAddedProductHasNoPreviousAndADeletedOneNoRevision) {
  EXPECT_EQ(diff_states({}, {state(5, 50)}), (std::vector<ProductChange>{{5, 50, std::nullopt}}));
  EXPECT_EQ(diff_states({state(5, 50)}, {}), (std::vector<ProductChange>{{5, std::nullopt, 50}}));
}

TEST(DiffStates, MixedChangesComeOutInIdOrder) {
  const std::vector<ProductState> previous{state(1, 10), state(3, 30), state(4, 40), state(6, 60),
                                           state(9, 90)};
  const std::vector<ProductState> next{state(2, 20), state(3, 30), state(4, 41),
                                       state(7, 70), state(9, 90), state(10, 100)};
  EXPECT_EQ(diff_states(previous, next), (std::vector<ProductChange>{
                                             {1, std::nullopt, 10},
                                             {2, 20, std::nullopt},
                                             {4, 41, 40},
                                             {6, std::nullopt, 60},
                                             {7, 70, std::nullopt},
                                             {10, 100, std::nullopt},
                                         }));
}

TEST(DiffStates, OnlyRevisionsCountNotDigestsOrTimestamps) {
  ProductState before = state(1, 10);
  ProductState after = state(1, 10);
  after.digests[0] = 99;
  after.updated_ms = 12345;
  EXPECT_TRUE(diff_states({before}, {after}).empty());
}

TEST(CountChanges, SortsChangesIntoChangedAddedAndDeleted) {
  const ChangeCounts counts = count_changes({{1, 11, 10},
                                             {2, 20, std::nullopt},
                                             {3, std::nullopt, 30},
                                             {4, 41, 40},
                                             {5, 50, std::nullopt}});
  EXPECT_EQ(counts.changed, 2);
  EXPECT_EQ(counts.added, 2);
  EXPECT_EQ(counts.deleted, 1);
  EXPECT_EQ(counts.total(), 5);
  EXPECT_EQ(count_changes({}).total(), 0);
}

TEST(CountLines, AddsRowsRejectedAndRepairedOverEveryFile) {
  std::vector<FileReport> files(2);
  files[0].rows = 100;
  files[0].rejected = 3;
  files[0].repaired = 2;
  files[0].blank = 7;  // blank lines are none of the three
  files[1].rows = 50;
  files[1].rejected = 1;
  const LineCounts lines = count_lines(files);
  EXPECT_EQ(lines.rows, 150);
  EXPECT_EQ(lines.rejected, 4);
  EXPECT_EQ(lines.repaired, 2);
}

}  // namespace
}  // namespace atelier::etl
