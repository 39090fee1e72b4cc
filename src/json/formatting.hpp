// Allocation-free formatters behind format_price / format_timestamp (serialize.hpp). The
// serializers call these with a stack buffer for every product and style, so a response costs no
// per-field allocation (the warm-up tool formats millions of them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/catalog.hpp"

namespace atelier::json {

// Longest price text: "-92233720368547758.08" (21 chars) for INT64_MIN cents.
inline constexpr std::size_t kMaxPriceChars = 24;
// Timestamps are always "YYYY-MM-DDTHH:MM:SS.mmmZ".
inline constexpr std::size_t kTimestampChars = 24;

// Writes the price text ("140.00", "-1.05") to `out` (at least kMaxPriceChars bytes, no NUL
// terminator) and returns the number of bytes written.
std::size_t format_price_to(char* out, model::Cents cents) noexcept;

// Writes exactly kTimestampChars bytes to `out` (no NUL terminator). Instants before
// 0000-01-01T00:00:00.000Z or after 9999-12-31T23:59:59.999Z are clamped to those bounds so the
// text keeps its fixed four-digit-year shape (ISO 8601 needs a sign and extra digits otherwise,
// which no front end expects).
void format_timestamp_to(char* out, model::EpochMillis millis) noexcept;

// The 64-bit body hash behind etag_for: stable across runs, processes and hosts (the API hosts and
// the warm-up tool must agree; it is persisted only implicitly, through clients' If-None-Match).
std::uint64_t hash_body(std::string_view body) noexcept;

}  // namespace atelier::json
