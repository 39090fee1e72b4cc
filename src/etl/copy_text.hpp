// PostgreSQL COPY text format (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format"):
// columns separated by TAB, rows by LF, NULL as \N, and backslash, TAB, LF, CR escaped.
// Appending to a caller-owned std::string keeps the hot loop free of per-field allocations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "etl/csv_line.hpp"

namespace atelier::etl {

// Appends `text` escaped for COPY text format.
void append_copy_text(std::string& out, std::string_view text);

// Appends a CSV field's value: doubled quotes collapsed, escaped; SQL null as \N.
void append_copy_field(std::string& out, const CsvField& field);

inline void append_copy_null(std::string& out) {
  out.append("\\N", 2);
}

// Appends a non-negative or negative integer in decimal.
void append_copy_int(std::string& out, std::int64_t value);

}  // namespace atelier::etl
