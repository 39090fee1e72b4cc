#include "catalog/queries.hpp"

namespace atelier::catalog::sql {

std::string for_ids(std::string_view text, Ids ids) {
  constexpr std::string_view kToken = "{ids}";
  const std::string_view condition = ids == Ids::one     ? "= $1"
                                     : ids == Ids::range ? "BETWEEN $1 AND $2"
                                                         : "= ANY($1::int8[])";
  std::string out;
  out.reserve(text.size() + 64);
  for (std::size_t at = 0;;) {
    const std::size_t found = text.find(kToken, at);
    out.append(text.substr(at, found - at));
    if (found == std::string_view::npos) break;
    out.append(condition);
    at = found + kToken.size();
  }
  return out;
}

std::string text_array(std::span<const std::string> values) {
  std::size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size);
  out.push_back('{');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string number_array(std::span<const std::int64_t> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  return out;
}

}  // namespace atelier::catalog::sql
