#include "json/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace atelier::json {
namespace {

// Outcome of decoding one sequence starting at a given byte: `length` bytes were consumed; when
// `valid` is false those bytes are one maximal ill-formed subpart (replaced by one U+FFFD).
struct Sequence {
  std::size_t length;
  bool valid;
};

// Decodes the sequence at text[pos] (which is not ASCII) following Unicode Table 3-7. The allowed
// range of the second byte depends on the lead byte; that is what excludes overlong forms,
// surrogates and code points above U+10FFFF.
Sequence decode_sequence(std::string_view text, std::size_t pos) noexcept {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t continuation_count = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_count = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation_count = 2;
    if (lead == 0xE0) second_low = 0xA0;   // below is overlong
    if (lead == 0xED) second_high = 0x9F;  // above is a surrogate
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation_count = 3;
    if (lead == 0xF0) second_low = 0x90;   // below is overlong
    if (lead == 0xF4) second_high = 0x8F;  // above is > U+10FFFF
  } else {
    return {1, false};  // 0x80..0xC1 and 0xF5..0xFF never start a well-formed sequence
  }
  for (std::size_t k = 1; k <= continuation_count; ++k) {
    if (pos + k >= text.size()) return {k, false};
    const auto byte = static_cast<unsigned char>(text[pos + k]);
    const unsigned char low = k == 1 ? second_low : 0x80;
    const unsigned char high = k == 1 ? second_high : 0xBF;
    if (byte < low || byte > high) return {k, false};
  }
  return {continuation_count + 1, true};
}

// Index of the first non-ASCII byte at or after `pos`, or text.size().
std::size_t skip_ascii(std::string_view text, std::size_t pos) noexcept {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (pos + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + pos, sizeof word);
    if ((word & kHighBits) != 0) break;
    pos += 8;
  }
  while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80) ++pos;
  return pos;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t pos = skip_ascii(text, 0);
  while (pos < text.size()) {
    const Sequence seq = decode_sequence(text, pos);
    if (!seq.valid) return false;
    pos = skip_ascii(text, pos + seq.length);
  }
  return true;
}

void append_replacing_invalid_utf8(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 8);
  std::size_t copied_up_to = 0;
  std::size_t pos = skip_ascii(text, 0);
  while (pos < text.size()) {
    const Sequence seq = decode_sequence(text, pos);
    if (!seq.valid) {
      out.append(text.substr(copied_up_to, pos - copied_up_to));
      out.append(kReplacementCharacter);
      copied_up_to = pos + seq.length;
    }
    pos = skip_ascii(text, pos + seq.length);
  }
  out.append(text.substr(copied_up_to));
}

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  append_replacing_invalid_utf8(out, text);
  return out;
}

}  // namespace atelier::json
