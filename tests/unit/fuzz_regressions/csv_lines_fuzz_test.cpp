// Replays the seed corpus tests/fuzz/corpus/csv_lines/ through the csv_lines fuzz entry
// (tests/fuzz/fuzz_entries.cpp), with every invariant it checks. No input has broken these parsers
// yet, so there is no tests/fuzz/regressions/csv_lines/: the first one saved there comes with a
// test that replays it (as cart_body_fuzz_test.cpp does).
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(CsvLinesFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "csv_lines"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
