// libFuzzer target: catalog CSV lines, RowEncoder of all seven files, COPY escaping (src/etl).
// The checks live in fuzz_entries.cpp so tests/unit/fuzz_regressions replays them under gcc.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atelier::fuzz::run_or_abort(atelier::fuzz::fuzz_csv_lines, data, size);
  return 0;
}
