// The body of every fuzz target, shared by two builds:
//   * tests/fuzz/*_fuzz.cpp (clang, libFuzzer + ASan + UBSan) call them in LLVMFuzzerTestOneInput;
//   * tests/unit/fuzz_regressions/*_test.cpp (gcc, the normal unit test exe) replay the saved
//     crashing inputs of tests/fuzz/regressions/<target>/ and the seed corpora through them.
// Keeping the logic here, and not in the fuzz .cpp files, is what makes a regression test run the
// exact code that found the bug. Each entry checks invariants (not just "does not crash") and
// throws InvariantBroken when one fails.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace atelier::fuzz {

// An input made a parser break one of its stated properties.
struct InvariantBroken : std::logic_error {
  using std::logic_error::logic_error;
};

// Route matching, product id, page/count, cookies, session and If-None-Match
// (src/http/request_parsing.hpp).
void fuzz_request_parsing(std::string_view data);

// The POST /cart body (parse_cart_body).
void fuzz_cart_body(std::string_view data);

// A catalog file: split into physical lines, each line through parse_csv_line, the number parsers,
// RowEncoder::encode of all seven CatalogFiles (parents wired like the loader) and the COPY text
// escaping (src/etl/csv_line.hpp, catalog_files.hpp, copy_text.hpp).
void fuzz_csv_lines(std::string_view data);

// A cache value: cache::decode_entry / encode_entry (cache/entry.hpp).
void fuzz_cache_entry(std::string_view data);

// REDIS_URL: cache::parse_redis_url / redis_url_error (cache/redis_options.hpp).
void fuzz_redis_url(std::string_view data);

// Accept-Encoding: http::negotiate_coding (src/http/content_negotiation.hpp).
void fuzz_accept_encoding(std::string_view data);

struct FuzzTarget {
  std::string_view name;  // directory name under corpus/ and regressions/, binary <name>_fuzz
  void (*entry)(std::string_view);
};

inline constexpr std::array<FuzzTarget, 6> kFuzzTargets{{
    {"request_parsing", fuzz_request_parsing},
    {"cart_body", fuzz_cart_body},
    {"csv_lines", fuzz_csv_lines},
    {"cache_entry", fuzz_cache_entry},
    {"redis_url", fuzz_redis_url},
    {"accept_encoding", fuzz_accept_encoding},
}};

// For LLVMFuzzerTestOneInput: runs `entry` and turns an InvariantBroken (or any other escaping
// exception) into a message on stderr plus abort(), which libFuzzer reports as a crash and saves.
void run_or_abort(void (*entry)(std::string_view), const std::uint8_t* data, std::size_t size);

}  // namespace atelier::fuzz
