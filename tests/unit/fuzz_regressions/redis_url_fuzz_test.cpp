// Replays tests/fuzz/regressions/redis_url/ and the seed corpus tests/fuzz/corpus/redis_url/
// through the redis_url fuzz entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(RedisUrlFuzzRegressions, EverySavedCrashingInputPasses) {
  EXPECT_GT(replay_directory("regressions", "redis_url"), 0);
}

TEST(RedisUrlFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "redis_url"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
