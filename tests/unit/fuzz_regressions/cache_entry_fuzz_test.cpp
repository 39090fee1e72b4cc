// Replays tests/fuzz/regressions/cache_entry/ and the seed corpus tests/fuzz/corpus/cache_entry/
// through the cache_entry fuzz entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(CacheEntryFuzzRegressions, EverySavedCrashingInputPasses) {
  replay_directory("regressions", "cache_entry");
}

TEST(CacheEntryFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "cache_entry"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
