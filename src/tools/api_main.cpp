// atelier-api: one stateless API host. Wiring only; see src/http/.
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "config/config.hpp"
#include "http/server.hpp"
#include "version/version.hpp"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << atelier::config::help_text(
          "atelier-api",
          "Serves the Atelier products API (CONTRACT.md) from PostgreSQL with an "
          "optional Redis read-through cache.");
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << atelier::version::version_line("atelier-api") << "\n";
      return 0;
    }
    std::cerr << "atelier-api: unknown argument '" << argv[i] << "' (try --help)\n";
    return 2;
  }
  auto parsed = atelier::config::parse([](const char* name) { return std::getenv(name); });
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) std::cerr << "atelier-api: " << e << "\n";
    return 2;
  }
  return atelier::http::run_server(parsed.config);
}
