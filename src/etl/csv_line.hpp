// One physical line of a catalog CSV file -> fields (CONTRACT §4).
//
// Every physical line is one record: a quote is never allowed to swallow the following lines
// (CONTRACT §4 dirt 1, the public "value too long at line 218" failure). A quoted field that is
// still open at the end of the line is closed there and the record is flagged as repaired.
// Pure functions over std::string_view; no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace atelier::etl {

enum class FieldKind : std::uint8_t {
  bare,    // unquoted text or number, taken byte-for-byte
  quoted,  // "..." ; `text` is the inside, still with doubled quotes if has_doubled_quotes
  null,    // the bare word null (SQL null)
};

struct CsvField {
  std::string_view text;  // bare: the field; quoted: the bytes between the quotes
  FieldKind kind = FieldKind::bare;
  bool has_doubled_quotes = false;  // quoted text contains "" that stands for one "

  bool is_null() const { return kind == FieldKind::null; }
};

// The widest file has 6 columns; one spare slot lets us tell "too many fields" apart.
inline constexpr std::size_t kMaxCsvFields = 8;

enum class LineProblem : std::uint8_t {
  none,
  too_many_fields,   // more than kMaxCsvFields
  text_after_quote,  // "abc"x  — a closing quote followed by something other than , or EOL
};

struct CsvRecord {
  std::array<CsvField, kMaxCsvFields> fields{};
  std::size_t count = 0;
  bool repaired_unterminated_quote = false;  // a quoted field ran to the end of the line
  LineProblem problem = LineProblem::none;
};

// Strips one trailing '\r' (CRLF files) — CONTRACT says LF, but a stray CR must not become data.
std::string_view strip_line_end(std::string_view line);

// Splits one physical line (without its '\n'; a trailing '\r' is ignored) into fields.
// Returns false when the line cannot be split (see record.problem).
bool parse_csv_line(std::string_view line, CsvRecord& record);

// True when the field's value (doubled quotes collapsed to one) equals `value`; lets header and
// keyword checks run without materialising the value.
bool field_equals(const CsvField& field, std::string_view value);

// True when `text` is valid UTF-8 without NUL bytes — what a UTF8 database accepts in a text
// column. One such line must be rejected on its own: sent to COPY, it would fail the whole file.
bool is_clean_utf8(std::string_view text);

// Numbers of the catalog files are bare ASCII digits (CONTRACT §4).
// A whole number >= 0 that fits int64; nullopt on anything else (sign, spaces, empty, overflow).
std::optional<std::int64_t> parse_whole_number(std::string_view text);

// A price: whole number with an optional '.' and 1–2 decimals, at most 13 integer digits so it
// fits numeric(15,2) (CONTRACT §4 dirt 8: 500,000,000 is a real value). Returns cents.
std::optional<std::int64_t> parse_price_cents(std::string_view text);

// 1/0 flags (default_style, cart active); also true/false for robustness.
std::optional<bool> parse_flag(std::string_view text);

}  // namespace atelier::etl
