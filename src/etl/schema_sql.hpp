// The DDL of sql/ (embedded at build time) and the small text operations that pick one table's
// section and fill in the placeholders.
#pragma once

#include <string>
#include <string_view>

namespace atelier::etl {

// The CREATE TABLE of one dataset table (sql/dataset.sql section), placeholders filled.
std::string create_table_sql(std::string_view table, std::string_view schema,
                             std::string_view loaded_at);
// The keys and indexes of one dataset table (sql/indexes.sql section), placeholders filled.
std::string index_sql(std::string_view table, std::string_view schema);

// Fills <schema>.page_blocks (empty) from <schema>.products: one row per non-empty block of 1024
// ids with the count of products in all lower blocks (sql/dataset.sql says why).
std::string page_blocks_sql(std::string_view schema);

// Pure helpers (unit-tested):
// The text after the line "-- table: <table>" up to the next such line (or the end).
// Empty when the section does not exist.
std::string_view sql_section(std::string_view file_text, std::string_view table);
// Replaces every "${key}" in text by value.
std::string substitute(std::string_view text, std::string_view key, std::string_view value);

}  // namespace atelier::etl
