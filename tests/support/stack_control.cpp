#include "stack_control.hpp"

#include <cstdlib>
#include <fstream>

#include "http_client.hpp"

namespace atelier::testing {

int run_stack_function(const std::string& call) {
  required_env("ATELIER_ROOT");
  required_env("ATELIER_STACK_DIR");
  const std::string command =
      "bash -c '. \"$ATELIER_ROOT/scripts/lib/common.sh\" && STACK_DIR=\"$ATELIER_STACK_DIR\" && "
      ". \"$ATELIER_ROOT/scripts/lib/stack.sh\" && " +
      call + "' >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int host_pid(int index) {
  std::ifstream in(required_env("ATELIER_STACK_DIR") + "/hosts/" + std::to_string(index) + ".pid");
  int pid = -1;
  in >> pid;
  return pid;
}

}  // namespace atelier::testing
