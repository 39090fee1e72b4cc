// Lets a test stop and start parts of the private stack scripts/test started (Redis, a host),
// through the same shell functions the scripts use (scripts/lib/stack.sh).
#pragma once

#include <string>

namespace atelier::testing {

// Runs one stack.sh function (e.g. "redis_stop", "host_start 2 28082"); returns its exit status.
int run_stack_function(const std::string& call);

// The pid recorded for host INDEX (1-based), or -1.
int host_pid(int index);

}  // namespace atelier::testing
