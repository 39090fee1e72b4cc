#include "etl/copy_text.hpp"

#include <array>
#include <charconv>

namespace atelier::etl {

namespace {

// Lookup table: which bytes need a backslash escape in COPY text format.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>('\\')] = true;
  table[static_cast<unsigned char>('\t')] = true;
  table[static_cast<unsigned char>('\n')] = true;
  table[static_cast<unsigned char>('\r')] = true;
  return table;
}();

void append_escaped_char(std::string& out, char c) {
  switch (c) {
    case '\\':
      out.append("\\\\", 2);
      break;
    case '\t':
      out.append("\\t", 2);
      break;
    case '\n':
      out.append("\\n", 2);
      break;
    case '\r':
      out.append("\\r", 2);
      break;
    default:
      out.push_back(c);
      break;
  }
}

}  // namespace

void append_copy_text(std::string& out, std::string_view text) {
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (kNeedsEscape[static_cast<unsigned char>(data[i])]) {
      out.append(data + run_start, i - run_start);
      append_escaped_char(out, data[i]);
      run_start = i + 1;
    }
  }
  out.append(data + run_start, size - run_start);
}

void append_copy_field(std::string& out, const CsvField& field) {
  if (field.is_null()) {
    append_copy_null(out);
    return;
  }
  if (!field.has_doubled_quotes) {
    append_copy_text(out, field.text);
    return;
  }
  const std::string_view text = field.text;
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      append_copy_text(out, text.substr(run_start, i + 1 - run_start));  // keeps one quote
      run_start = i + 2;
      ++i;
    }
  }
  append_copy_text(out, text.substr(run_start));
}

void append_copy_int(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<std::size_t>(result.ptr - digits));
}

}  // namespace atelier::etl
