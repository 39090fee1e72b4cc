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

}  // namespace atelier::catalog::sql
