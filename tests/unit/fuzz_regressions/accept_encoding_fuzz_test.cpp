// Replays the seed corpus tests/fuzz/corpus/accept_encoding/ through the accept_encoding fuzz
// entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks. No input has broken
// negotiate_coding yet, so there is no tests/fuzz/regressions/accept_encoding/: the first one
// saved there comes with a test that replays it (as cart_body_fuzz_test.cpp does).
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(AcceptEncodingFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "accept_encoding"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
