// Replays tests/fuzz/regressions/request_parsing/ and the seed corpus
// tests/fuzz/corpus/request_parsing/ through the request_parsing fuzz entry
// (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(RequestParsingFuzzRegressions, EverySavedCrashingInputPasses) {
  replay_directory("regressions", "request_parsing");
}

TEST(RequestParsingFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "request_parsing"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
