// atelier-warm: fills Redis with every product's pre-serialized JSON. Thin: see src/warm/.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "config/config.hpp"
#include "version/version.hpp"
#include "warm/warmer.hpp"

namespace {

// Set by SIGINT/SIGTERM: the only way a signal handler may talk to the run (async-signal-safe).
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

constexpr const char* kUsage =
    R"(Usage: atelier-warm [--all | --changed | --last-percent P | --ids FILE | --from ID [--to ID]]
                    [--batch N] [--workers N] [--only product,styles,related]

Writes the pre-serialized JSON of products (detail, styles, related) into Redis under the keys the
API hosts read: each product's current revision. Safe to run while the hosts serve; resumable with
--from (the summary prints where to resume). Exits non-zero only when it could not do its job.

  --all               every product (default)
  --changed           the products the newest publish (load or partial update) changed or added
  --last-percent P    the last P% of the id range (load tests hit the last 10%)
  --ids FILE          the ids in FILE, one per line
  --from ID, --to ID  an id range (inclusive)
  --batch N           products per database batch (default 2000)
  --workers N         parallel database+Redis workers (default 2)
  --only LIST         comma-separated subset of product,styles,related
  --version           print the version and exit
)";

std::string human_bytes(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  atelier::warm::WarmOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "atelier-warm: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (arg == "--help" || arg == "-h") {
        std::cout << kUsage << "\n"
                  << atelier::config::help_text("atelier-warm",
                                                "Settings come from the same "
                                                "environment as the API hosts.");
        return 0;
      } else if (arg == "--version") {
        std::cout << atelier::version::version_line("atelier-warm") << "\n";
        return 0;
      } else if (arg == "--all") {
      } else if (arg == "--changed") {
        options.changed_only = true;
      } else if (arg == "--last-percent") {
        options.last_percent = std::stod(value());
      } else if (arg == "--ids") {
        const std::string path = value();
        if (auto error = atelier::warm::read_id_file(path, options.ids)) {
          std::cerr << "atelier-warm: " << *error << "\n";
          return 2;
        }
      } else if (arg == "--from") {
        options.from_id = std::stoll(value());
      } else if (arg == "--to") {
        options.to_id = std::stoll(value());
      } else if (arg == "--batch") {
        options.batch_size = std::stoll(value());
      } else if (arg == "--workers") {
        options.workers = std::stoi(value());
      } else if (arg == "--only") {
        // Built with += : GCC 12 gives a false -Wrestrict on "," + std::string (GCC bug 105329).
        std::string list = ",";
        list += value();
        list += ",";
        options.product = list.find(",product,") != std::string::npos;
        options.styles = list.find(",styles,") != std::string::npos;
        options.related = list.find(",related,") != std::string::npos;
      } else {
        std::cerr << "atelier-warm: unknown argument '" << arg << "' (try --help)\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "atelier-warm: " << arg << " needs a number\n";
      return 2;
    }
  }
  auto parsed = atelier::config::parse([](const char* name) { return std::getenv(name); });
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) std::cerr << "atelier-warm: " << e << "\n";
    return 2;
  }
  // A batch job, not a request path: a statement of a few thousand products may take longer than
  // a host's request timeout, so the warm-up allows a minute unless told otherwise.
  if (std::getenv("ATELIER_DB_STATEMENT_TIMEOUT_MS") == nullptr) {
    parsed.config.db_statement_timeout = std::chrono::seconds(60);
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  auto on_progress = [&](const atelier::warm::WarmProgress& p) {
    if (!tty) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = seconds > 0 ? static_cast<double>(p.products_done) / seconds : 0;
    const double fraction = p.products_total > 0 ? static_cast<double>(p.products_done) /
                                                       static_cast<double>(p.products_total)
                                                 : 0;
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const double eta =
        rate > 0 ? static_cast<double>(p.products_total - p.products_done) / rate : 0;
    std::fprintf(stderr, "\r[%-*s] %5.1f%% %lld/%lld products  %.0f/s  ETA %.0fs   ", width,
                 std::string(static_cast<std::size_t>(std::clamp(filled, 0, width)), '#').c_str(),
                 fraction * 100, static_cast<long long>(p.products_done),
                 static_cast<long long>(p.products_total), rate, eta);
  };
  const auto report = atelier::warm::warm_cache(parsed.config, options, on_progress, g_stop);
  if (tty) std::fprintf(stderr, "\n");
  std::cout << "warm: ok=" << (report.ok ? "true" : "false")
            << " version=" << report.dataset_version << " publish=" << report.publish
            << " products=" << report.products << " keys=" << report.keys_written
            << " bytes=" << report.bytes_written << " (" << human_bytes(report.bytes_written) << ")"
            << " seconds=" << report.seconds << " products_per_s="
            << (report.seconds > 0 ? static_cast<std::int64_t>(report.products / report.seconds)
                                   : 0)
            << " redis_used_memory="
            << (report.redis_used_memory ? human_bytes(*report.redis_used_memory) : "unknown");
  if (!report.ok) std::cout << " resume_with=--from " << report.resume_from;
  std::cout << std::endl;
  if (!report.ok) {
    std::cerr << "atelier-warm: " << report.error << "\n";
    return 1;
  }
  return 0;
}
