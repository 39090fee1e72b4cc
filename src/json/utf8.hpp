// UTF-8 well-formedness for text fields. The catalog is loaded from CSV files we do not control
// (CONTRACT §4), and RapidJSON copies invalid UTF-8 verbatim into its output (LIBRARY-NOTES §4), so
// a single bad byte in a description would make a whole response body invalid JSON. Every text
// field therefore passes through here before it is written.
#pragma once

#include <string>
#include <string_view>

namespace atelier::json {

// True when `text` is well-formed UTF-8 per Unicode Table 3-7: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences. ASCII runs are checked eight
// bytes at a time, so clean text costs little more than a memchr.
bool is_valid_utf8(std::string_view text) noexcept;

// Appends `text` to `out`, replacing every maximal ill-formed subsequence with one U+FFFD
// (the Unicode "substitution of maximal subparts" practice, the same as WHATWG's decoder): a
// truncated 3-byte sequence becomes one U+FFFD, a stray continuation byte becomes one U+FFFD.
// Valid sequences are copied unchanged.
void append_replacing_invalid_utf8(std::string& out, std::string_view text);

// Convenience form of append_replacing_invalid_utf8 into a fresh string.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace atelier::json
