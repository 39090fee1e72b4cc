// What one cache value holds: a finished HTTP answer (status, ETag, body bytes), so a hit is sent
// as-is with no parse/re-serialize (STYLE habit 6).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atelier::cache {

struct Entry {
  int status = 200;  // 200, or 404 for an unknown id (cached briefly, see CacheOptions)
  std::string etag;  // strong ETag with quotes, as produced by json::etag_for; may be empty
  std::string body;  // response bytes (JSON), binary-safe

  friend bool operator==(const Entry&, const Entry&) = default;
};

// Wire format, version 1:
//   byte 0      format version (0x01)
//   bytes 1..3  status as three ASCII digits ("200", "404")
//   byte 4      etag length L (0..255)
//   bytes 5..   L bytes of etag, then the body (everything up to the end of the value)
// A fixed header keeps decode a few bounds checks and one copy. Bump kEntryFormat when the layout
// changes: old values then decode as a miss and are rewritten on the next load.
inline constexpr unsigned char kEntryFormat = 1;
inline constexpr std::size_t kMaxEtagSize = 255;

// Throws std::invalid_argument for a status outside 100..599 or an etag longer than kMaxEtagSize.
std::string encode_entry(const Entry& entry);

// nullopt for anything malformed (wrong version, short value, bad status digits, etag past the
// end).
std::optional<Entry> decode_entry(std::string_view bytes);
// Same, reusing the buffer of `bytes` for the body (the common case: a value fresh from Redis).
std::optional<Entry> decode_entry(std::string&& bytes);

}  // namespace atelier::cache
