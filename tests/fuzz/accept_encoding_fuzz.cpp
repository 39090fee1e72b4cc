// libFuzzer target: the Accept-Encoding negotiation (http::negotiate_coding).
// The checks live in fuzz_entries.cpp so tests/unit/fuzz_regressions replays them under gcc.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atelier::fuzz::run_or_abort(atelier::fuzz::fuzz_accept_encoding, data, size);
  return 0;
}
