// The warm-up's pure parts: how it splits the work, and how it reads an id file.
#include "warm/warmer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace atelier::warm {
namespace {

TEST(PlanUnits, ARangeSplitsIntoBatchesThatCoverItExactly) {
  WarmOptions options;
  options.batch_size = 10;
  const auto units = plan_units(options, 5, 31);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].lo, 5);
  EXPECT_EQ(units[0].hi, 14);
  EXPECT_EQ(units[1].lo, 15);
  EXPECT_EQ(units[2].lo, 25);
  EXPECT_EQ(units[2].hi, 31);
  for (const auto& unit : units) EXPECT_TRUE(unit.only.empty());
}

TEST(PlanUnits, AnEmptyRangeHasNoWork) {
  WarmOptions options;
  EXPECT_TRUE(plan_units(options, 10, 9).empty());
}

TEST(PlanUnits, ExplicitIdsAreGroupedByCountAndKeptExactly) {
  WarmOptions options;
  options.batch_size = 12;  // a quarter of it per unit of listed ids
  options.ids = {1, 2, 50, 150, 151, 10'000, 10'001};
  const auto units = plan_units(options, 0, 0);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].only, (std::vector<std::int64_t>{1, 2, 50}));
  EXPECT_EQ(units[0].lo, 1);
  EXPECT_EQ(units[0].hi, 50);
  EXPECT_EQ(units[1].only, (std::vector<std::int64_t>{150, 151, 10'000}));
  EXPECT_EQ(units[2].only, (std::vector<std::int64_t>{10'001}));
  EXPECT_EQ(units[2].lo, 10'001);
  EXPECT_EQ(units[2].hi, 10'001);
}

TEST(PlanUnits, ARangeEndingAtTheLargestIdDoesNotOverflow) {
  WarmOptions options;
  options.batch_size = 1000;
  const auto units = plan_units(options, INT64_MAX - 1500, INT64_MAX);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units.back().hi, INT64_MAX);
}

class IdFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_ = ::testing::TempDir() + "/ids-" + std::to_string(::getpid()) + ".txt";
};

TEST_F(IdFile, ReadsSortsAndDeduplicatesSkippingCommentsAndBlankLines) {
  std::vector<std::int64_t> ids;
  EXPECT_FALSE(read_id_file(write("# changed today\n30\n\n  7\n30 \r\n12\n"), ids));
  EXPECT_EQ(ids, (std::vector<std::int64_t>{7, 12, 30}));
}

TEST_F(IdFile, ABadLineIsReportedWithItsNumber) {
  std::vector<std::int64_t> ids;
  const auto error = read_id_file(write("1\n2\nabc\n"), ids);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(":3:"), std::string::npos) << *error;
  std::vector<std::int64_t> zero;
  EXPECT_TRUE(read_id_file(write("0\n"), zero).has_value());
  std::vector<std::int64_t> none;
  EXPECT_TRUE(read_id_file(path_ + ".missing", none).has_value());
}

}  // namespace
}  // namespace atelier::warm
