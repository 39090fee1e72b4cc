// Replays tests/fuzz/regressions/request_parsing/ and the seed corpus
// tests/fuzz/corpus/request_parsing/ through the request_parsing fuzz entry
// (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

// Inputs of bugs fixed in these parsers (found by the bad-input corpus, not by libFuzzer; the
// fuzz entry's invariants would catch each again):
//   target_control_byte, target_tab, target_raw_utf8: request lines whose target holds a control
//     byte or raw UTF-8, which a host's own port served before check_request_line refused them;
//   authorization_control_byte, authorization_over_1024: Authorization values a host took for a
//     session before is_acceptable_authorization refused them.
TEST(RequestParsingFuzzRegressions, EveryInputOfAFixedBugPasses) {
  EXPECT_GE(replay_directory("regressions", "request_parsing"), 5);
}

TEST(RequestParsingFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "request_parsing"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
