// Replays tests/fuzz/regressions/cache_entry/ and the seed corpus tests/fuzz/corpus/cache_entry/
// through the cache_entry fuzz entry (tests/fuzz/fuzz_entries.cpp), with every invariant it checks.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

// Entries a host sent as they were, before cache::is_sendable, when one was planted in Redis
// (the values of Cache.UnsafeOrUndecodableRedisValuesAreMissesAnsweredFromTheDatabase): an ETag
// that splits the header block or lacks its quotes, a "gzip" body that is not gzip or is shorter
// than a gzip member, a 204 or 304 with a body. The fuzz entry checks is_sendable on each.
TEST(CacheEntryFuzzRegressions, EveryInputOfAFixedBugPasses) {
  EXPECT_GE(replay_directory("regressions", "cache_entry"), 6);
}

TEST(CacheEntryFuzzRegressions, EverySeedInputPasses) {
  EXPECT_GT(replay_directory("corpus", "cache_entry"), 0);
}

}  // namespace
}  // namespace atelier::fuzz
