// Replays tests/fuzz/regressions/csv_lines/ and the seed corpus tests/fuzz/corpus/csv_lines/
// through the csv_lines fuzz entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(CsvLinesFuzzRegressions, EverySavedCrashingInputPasses) {
  replay_directory("regressions", "csv_lines");
}

TEST(CsvLinesFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "csv_lines"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
