#include "etl/csv_line.hpp"

#include <cstring>

namespace atelier::etl {

std::string_view strip_line_end(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

namespace {

// Finds the closing quote of a quoted field starting at `pos` (just after the opening quote).
// Returns the index of the closing quote or npos when the line ends first.
std::size_t find_closing_quote(std::string_view line, std::size_t pos, bool& doubled) {
  const char* base = line.data();
  const std::size_t size = line.size();
  while (pos < size) {
    const void* hit = std::memchr(base + pos, '"', size - pos);
    if (hit == nullptr) return std::string_view::npos;
    const std::size_t q = static_cast<const char*>(hit) - base;
    if (q + 1 < size && base[q + 1] == '"') {  // "" inside quotes is one literal quote
      doubled = true;
      pos = q + 2;
      continue;
    }
    return q;
  }
  return std::string_view::npos;
}

}  // namespace

bool parse_csv_line(std::string_view line, CsvRecord& record) {
  line = strip_line_end(line);
  record.count = 0;
  record.repaired_unterminated_quote = false;
  record.problem = LineProblem::none;

  const char* base = line.data();
  const std::size_t size = line.size();
  std::size_t pos = 0;
  // Each turn reads one field starting at pos; a comma right before the end yields a last,
  // empty field on the next turn.
  while (true) {
    if (record.count == kMaxCsvFields) {
      record.problem = LineProblem::too_many_fields;
      return false;
    }
    CsvField& field = record.fields[record.count++];
    field.has_doubled_quotes = false;
    std::size_t end = 0;
    if (pos < size && base[pos] == '"') {
      field.kind = FieldKind::quoted;
      bool doubled = false;
      const std::size_t close = find_closing_quote(line, pos + 1, doubled);
      field.has_doubled_quotes = doubled;
      if (close == std::string_view::npos) {
        // Dirt 1: the closing quote is missing; the field is the rest of THIS line only.
        field.text = line.substr(pos + 1);
        record.repaired_unterminated_quote = true;
        return true;
      }
      field.text = line.substr(pos + 1, close - pos - 1);
      end = close + 1;
      if (end < size && base[end] != ',') {
        record.problem = LineProblem::text_after_quote;
        return false;
      }
    } else {
      const void* comma = size > pos ? std::memchr(base + pos, ',', size - pos) : nullptr;
      end = comma == nullptr ? size
                             : static_cast<std::size_t>(static_cast<const char*>(comma) - base);
      field.text = line.substr(pos, end - pos);
      field.kind = field.text == "null" ? FieldKind::null : FieldKind::bare;
    }
    if (end >= size) return true;
    pos = end + 1;  // skip the comma
  }
}

bool field_equals(const CsvField& field, std::string_view value) {
  if (!field.has_doubled_quotes) return field.text == value;
  std::size_t v = 0;
  const std::string_view text = field.text;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (v == value.size() || text[i] != value[v]) return false;
    ++v;
    if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
  }
  return v == value.size();
}

bool is_clean_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;
  std::size_t i = 0;
  while (i < n) {
    // Catalog text is nearly all ASCII: check 8 bytes at a time for a high bit or a zero byte.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & kHighBits) != 0 || ((word - kLowBits) & ~word & kHighBits) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      code = (code << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (length == 2 && code < 0x80) || (length == 3 && code < 0x800) ||
                          (length == 4 && code < 0x10000);
    if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::optional<std::int64_t> parse_whole_number(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::optional<std::int64_t> parse_price_cents(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 13) return std::nullopt;
  auto units = parse_whole_number(whole);
  if (!units) return std::nullopt;
  std::int64_t cents = *units * 100;
  if (dot != std::string_view::npos) {
    const std::string_view decimals = text.substr(dot + 1);
    if (decimals.empty() || decimals.size() > 2) return std::nullopt;
    auto fraction = parse_whole_number(decimals);
    if (!fraction) return std::nullopt;
    cents += decimals.size() == 1 ? *fraction * 10 : *fraction;
  }
  return cents;
}

std::optional<bool> parse_flag(std::string_view text) {
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  return std::nullopt;
}

}  // namespace atelier::etl
