// Replays tests/fuzz/regressions/accept_encoding/ and the seed corpus
// tests/fuzz/corpus/accept_encoding/ through the accept_encoding fuzz entry
// (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(AcceptEncodingFuzzRegressions, EverySavedCrashingInputPasses) {
  replay_directory("regressions", "accept_encoding");
}

TEST(AcceptEncodingFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "accept_encoding"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
