#include "etl/schema_sql.hpp"

#include <stdexcept>

#include "atelier/etl/sql_text.hpp"

namespace atelier::etl {

namespace {

constexpr std::string_view kSectionMarker = "-- table: ";

std::string required_section(std::string_view file_text, std::string_view table,
                             std::string_view file_name) {
  const std::string_view section = sql_section(file_text, table);
  if (section.empty()) {
    throw std::logic_error("sql/" + std::string(file_name) + " has no section for table " +
                           std::string(table));
  }
  return std::string(section);
}

}  // namespace

std::string create_table_sql(std::string_view table, std::string_view schema,
                             std::string_view loaded_at) {
  const std::string text = required_section(embedded::kDatasetSql, table, "dataset.sql");
  return substitute(substitute(text, "SCHEMA", schema), "LOADED_AT", loaded_at);
}

std::string page_blocks_sql(std::string_view schema) {
  return substitute(
      "INSERT INTO ${SCHEMA}.page_blocks (block, products_before, products) "
      "SELECT block, sum(n) OVER (ORDER BY block) - n, n "
      "FROM (SELECT id >> 10 AS block, count(*) AS n FROM ${SCHEMA}.products GROUP BY 1) b",
      "SCHEMA", schema);
}

std::string index_sql(std::string_view table, std::string_view schema) {
  return substitute(required_section(embedded::kIndexesSql, table, "indexes.sql"), "SCHEMA",
                    schema);
}

std::string_view sql_section(std::string_view file_text, std::string_view table) {
  std::size_t pos = 0;
  while ((pos = file_text.find(kSectionMarker, pos)) != std::string_view::npos) {
    const std::size_t name_start = pos + kSectionMarker.size();
    std::size_t line_end = file_text.find('\n', name_start);
    if (line_end == std::string_view::npos) line_end = file_text.size();
    std::string_view name = file_text.substr(name_start, line_end - name_start);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.remove_suffix(1);
    pos = line_end;
    if (name != table) continue;
    const std::size_t body_start = line_end < file_text.size() ? line_end + 1 : line_end;
    const std::size_t next = file_text.find(kSectionMarker, body_start);
    const std::size_t body_end = next == std::string_view::npos ? file_text.size() : next;
    return file_text.substr(body_start, body_end - body_start);
  }
  return {};
}

std::string substitute(std::string_view text, std::string_view key, std::string_view value) {
  const std::string placeholder = "${" + std::string(key) + "}";
  std::string out;
  out.reserve(text.size() + value.size() * 4);
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(placeholder, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(value);
    pos = hit + placeholder.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace atelier::etl
