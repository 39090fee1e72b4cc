// What one cache value holds: a finished HTTP answer (status, ETag, body bytes), so a hit is sent
// as-is with no parse/re-serialize (STYLE habit 6).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atelier::cache {

// The content coding `body` is kept in (RFC 9110 §8.4.1). Product bodies are compressed once, when
// they are made, and sent as they are to every client that accepts the coding (src/encoding/).
enum class BodyCoding : unsigned char { identity = 0, gzip = 1 };

struct Entry {
  int status = 200;  // 200, or 404 for an unknown id (cached briefly, see CacheOptions)
  std::string etag;  // strong ETag (quotes included) of the IDENTITY bytes, json::etag_for; may be
                     // empty. Other representations derive theirs from it (src/encoding/).
  std::string body;  // response bytes in `coding`, binary-safe
  BodyCoding coding = BodyCoding::identity;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// Wire format, version 2:
//   byte 0      format version (0x02)
//   bytes 1..3  status as three ASCII digits ("200", "404")
//   byte 4      body coding (0 identity, 1 gzip)
//   byte 5      etag length L (0..255)
//   bytes 6..   L bytes of etag, then the body (everything up to the end of the value)
// A fixed header keeps decode a few bounds checks and one copy. Bump kEntryFormat when the layout
// changes: old values then decode as a miss and are rewritten on the next load. Version 1 had no
// coding byte (identity bodies only).
inline constexpr unsigned char kEntryFormat = 2;
inline constexpr std::size_t kMaxEtagSize = 255;

// Throws std::invalid_argument for a status outside 100..599, an etag longer than kMaxEtagSize or
// an unknown coding.
std::string encode_entry(const Entry& entry);

// nullopt for anything malformed (wrong version, short value, bad status digits, unknown coding,
// etag past the end).
std::optional<Entry> decode_entry(std::string_view bytes);
// Same, reusing the buffer of `bytes` for the body (the common case: a value fresh from Redis).
std::optional<Entry> decode_entry(std::string&& bytes);

// A strong entity-tag as RFC 9110 §8.8.3 spells it, safe to send as a header value: `"` + visible
// ASCII other than `"` + `"` (no CR, LF, NUL or other control byte; no obs-text, which our
// tags never hold). The empty string (no ETag) is safe too.
bool is_sendable_etag(std::string_view etag);

// What a host checks before it sends an entry it did not make itself (one read from Redis, which
// any client holding a write-capable Redis user could have written): the ETag is sendable; the
// status is one a body goes with (200..599 but 204 and 304); a gzip body starts as a gzip member
// does (1f 8b 08) and is at least a member's minimum size (18 bytes). A bad entry is a miss, not an
// answer (cache::Cache counts it).
bool is_sendable(const Entry& entry);

}  // namespace atelier::cache
