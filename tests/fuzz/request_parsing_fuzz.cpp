// libFuzzer target: route, request target, product id, page/count, cookies/session and
// If-None-Match parsing (src/http/request_parsing.hpp). The checks live in fuzz_entries.cpp so
// tests/unit/fuzz_regressions replays them under gcc.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atelier::fuzz::run_or_abort(atelier::fuzz::fuzz_request_parsing, data, size);
  return 0;
}
