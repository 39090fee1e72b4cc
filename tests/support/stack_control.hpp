// Lets a test stop and start parts of the private stack scripts/test started (Redis, a host, the
// hot standby, the edge's limits) through the command scripts/stack-control, whose verbs are a
// stable interface (see its --help); never through the shell functions behind it.
#pragma once

#include <string>
#include <vector>

namespace atelier::testing {

// Runs `scripts/stack-control ARGS...` (no shell: each argument is passed as it is), e.g.
// {"redis", "stop"} or {"host", "start", "4", port, "ATELIER_THREADS=2"}; returns its exit
// status (-1 if it could not be run). What it printed on stderr is shown when it fails.
int stack_control(const std::vector<std::string>& args);

// Runs it like stack_control and returns what it printed on stdout (e.g. `hosts replace`'s
// report); `status` gets its exit status.
std::string stack_control_output(const std::vector<std::string>& args, int& status);

// The pid recorded for host INDEX (1-based; `stack-control host pid`), or -1.
int host_pid(int index);

}  // namespace atelier::testing
