// Wiring of one API host: Service + Pistache endpoint, until SIGTERM/SIGINT.
#pragma once

#include "config/config.hpp"

namespace atelier::http {

// Blocks until SIGTERM or SIGINT, then shuts the endpoint down. Returns the process exit code.
int run_server(const config::Config& config);

}  // namespace atelier::http
