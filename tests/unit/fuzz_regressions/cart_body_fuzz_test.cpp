// Replays tests/fuzz/regressions/cart_body/ and the seed corpus tests/fuzz/corpus/cart_body/
// through the cart_body fuzz entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

TEST(CartBodyFuzzRegressions, EverySavedCrashingInputPasses) {
  EXPECT_GT(replay_directory("regressions", "cart_body"), 0);
}

TEST(CartBodyFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "cart_body"), 0);
}

// A body that is nothing but nesting: RapidJSON's default (recursive) parser used one stack frame
// per level, so a large enough body overflowed the worker thread's stack and took the whole host
// down. Too large to keep as a file under regressions/, so it is built here.
TEST(CartBodyFuzzRegressions, DeeplyNestedBodyIsRejectedWithoutRecursion) {
  for (const char open : {'[', '{'}) {
    std::string body(std::size_t{4} << 20, open);
    if (open == '{') {
      body.clear();
      while (body.size() < (std::size_t{4} << 20)) body += "{\"a\":";
    }
    EXPECT_NO_THROW(fuzz_cart_body(body));
  }
}

}  // namespace
}  // namespace atelier::fuzz
