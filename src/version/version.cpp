#include "version/version.hpp"

#include "atelier/version/build_version.hpp"

namespace atelier::version {

std::string_view version() {
  return ATELIER_BUILD_VERSION;
}

std::string_view commit() {
  return ATELIER_BUILD_COMMIT;
}

std::string version_line(std::string_view program) {
  std::string line(program);
  line += ' ';
  line += version();
  if (!commit().empty()) {
    line += " (commit ";
    line += commit();
    line += ')';
  }
  return line;
}

}  // namespace atelier::version
