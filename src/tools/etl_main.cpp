// atelier-etl: loads a catalog directory into PostgreSQL and publishes it (src/etl/loader.hpp).
// Thin shell: options -> LoadOptions -> load_catalog -> summary.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "etl/cart_sessions.hpp"
#include "etl/load_report.hpp"
#include "etl/loader.hpp"
#include "etl/pg_session.hpp"
#include "etl/updater.hpp"
#include "schema/migrations.hpp"
#include "version/version.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: atelier-etl --data DIR [--database-url URL] [--keep N] [--workers N]\n"
    "       atelier-etl --update DIR [--database-url URL]\n"
    "       atelier-etl --migrate [--to N] [--database-url URL]\n"
    "       atelier-etl --version\n"
    "\n"
    "Loads the seven catalog CSVs of DIR (product.csv, features.csv, styles.csv, photos.csv,\n"
    "skus.csv, related.csv, cart.csv) into a new dataset schema atelier_v<N>, then switches the\n"
    "catalog.* views to it in one transaction. Bad lines are rejected or repaired and reported\n"
    "(atelier.rejects); a missing file or a wrong header stops the load before any switch.\n"
    "\n"
    "  --data DIR          catalog directory (a full load)\n"
    "  --update DIR        a partial update: any of the six catalog files with the rows of the\n"
    "                      products that changed (a product's rows of a given file replace its\n"
    "                      rows of that file; styles come with their photos and skus; new ids\n"
    "                      add products), and deleted.csv (header product_id) to remove\n"
    "                      products. Applied in place in one transaction; unchanged products\n"
    "                      keep their revisions, cache entries and ETags.\n"
    "  --migrate           apply the schema migrations this release has and the database lacks\n"
    "                      (sql/migrations; each once, in order, in a transaction), then exit.\n"
    "                      --data and --update apply them first too. Refuses a database whose\n"
    "                      schema is newer than this release. At the newest version it also\n"
    "                      keys the raw cart sessions an older release stored (needs\n"
    "                      ATELIER_SESSION_SECRET_FILE; docs/SECURITY.md).\n"
    "  --to N              with --migrate: stop at version N (scripts/restore brings a new\n"
    "                      database to a backup's version, restores, then migrates on)\n"
    "  --version           print the version and exit\n"
    "  --database-url URL  libpq connection string/URL (default: $DATABASE_URL)\n"
    "  --keep N            datasets to keep, the new one included (default 2: current +\n"
    "                      previous, so readers still on the previous one are undisturbed)\n"
    "  --workers N         tables loaded concurrently, one connection each (default 2)\n"
    "\n"
    "environment: DATABASE_URL  used when --database-url is not given\n"
    "             ATELIER_SESSION_SECRET_FILE  the hosts' session secret (mode 600): cart.csv's\n"
    "                          sessions are stored as keyed hashes of it (docs/SECURITY.md)\n"
    "             ATELIER_SESSION_PREVIOUS_SECRET_FILE  the secret being rotated out, if any\n"
    "exit status: 0 loaded (or updated) and published; 1 failed (nothing published); 2 usage\n"
    "error\n";

struct Arguments {
  atelier::etl::LoadOptions load;
  std::string update_dir;
  bool help = false;
  bool version = false;
  bool migrate = false;
  int migrate_to = 0;  // 0: the newest
};

std::optional<int> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1) return std::nullopt;
  return value;
}

// Returns an error message, or nothing when the arguments are usable.
std::optional<std::string> parse_arguments(int argc, char** argv, Arguments& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      args.help = true;
      return std::nullopt;
    }
    if (arg == "--version") {
      args.version = true;
      return std::nullopt;
    }
    if (arg == "--migrate") {
      args.migrate = true;
      continue;
    }
    if (i + 1 >= argc) return "missing value after " + std::string(arg);
    const std::string_view value = argv[++i];
    if (arg == "--data") {
      args.load.data_dir = std::string(value);
    } else if (arg == "--update") {
      args.update_dir = std::string(value);
    } else if (arg == "--database-url") {
      args.load.database_url = std::string(value);
    } else if (arg == "--to") {
      const auto count = parse_count(value);
      if (!count) return std::string(arg) + " needs a whole number >= 1";
      args.migrate_to = *count;
    } else if (arg == "--keep" || arg == "--workers") {
      const auto count = parse_count(value);
      if (!count) return std::string(arg) + " needs a whole number >= 1";
      (arg == "--keep" ? args.load.keep : args.load.workers) = *count;
    } else {
      return "unknown option " + std::string(arg);
    }
  }
  const int actions =
      int(!args.load.data_dir.empty()) + int(!args.update_dir.empty()) + int(args.migrate);
  if (actions != 1) {
    return std::string("give one of --data DIR, --update DIR and --migrate");
  }
  if (args.migrate_to > atelier::schema::latest_version()) {
    return "--to " + std::to_string(args.migrate_to) + ": this release knows versions up to " +
           std::to_string(atelier::schema::latest_version());
  }
  if (args.migrate_to != 0 && !args.migrate) return std::string("--to goes with --migrate");
  const auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value == nullptr ? "" : value);
  };
  auto keyer = atelier::session::load_keyer(env("ATELIER_SESSION_SECRET_FILE"),
                                            env("ATELIER_SESSION_PREVIOUS_SECRET_FILE"));
  if (!keyer.error.empty()) return keyer.error;
  args.load.session_keyer = std::move(keyer.keyer);
  if (args.load.database_url.empty()) {
    // Configuration is read here, once, in main (STYLE habit 9).
    const char* url = std::getenv("DATABASE_URL");
    if (url == nullptr || *url == '\0') {
      return std::string("no database: pass --database-url or set DATABASE_URL");
    }
    args.load.database_url = url;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (const auto error = parse_arguments(argc, argv, args)) {
    std::cerr << "atelier-etl: " << *error << "\n\n" << kUsage;
    return 2;
  }
  if (args.help) {
    std::cout << kUsage;
    return 0;
  }
  if (args.version) {
    std::cout << atelier::version::version_line("atelier-etl") << "\n";
    return 0;
  }
  if (args.migrate) {
    try {
      auto list = atelier::schema::migrations();
      if (args.migrate_to != 0) list = list.first(static_cast<std::size_t>(args.migrate_to));
      const auto report = atelier::schema::migrate(
          args.load.database_url, [](std::string_view line) { std::cerr << line; }, list);
      std::cout << "schema version " << report.from << " -> " << report.to << " ("
                << report.applied.size() << " migration(s) applied; this release knows "
                << atelier::schema::latest_version() << ")\n";
      if (report.to == atelier::schema::latest_version()) {
        atelier::etl::PgSession db(args.load.database_url);
        const long long keyed =
            atelier::etl::key_raw_cart_sessions(db, args.load.session_keyer.get());
        if (keyed > 0)
          std::cout << "cart rows keyed (raw sessions of an older release): " << keyed << "\n";
      }
      return 0;
    } catch (const std::exception& error) {
      std::cerr << "atelier-etl: migration failed: " << error.what() << "\n";
      return 1;
    }
  }
  args.load.progress = ::isatty(STDERR_FILENO) ? atelier::etl::ProgressStyle::live
                                               : atelier::etl::ProgressStyle::lines;
  if (!args.update_dir.empty()) {
    try {
      atelier::etl::UpdateOptions update;
      update.data_dir = args.update_dir;
      update.database_url = args.load.database_url;
      update.session_keyer = args.load.session_keyer;
      const auto report = atelier::etl::apply_update(update);
      std::cout << atelier::etl::format_update_summary(report) << std::flush;
      return 0;
    } catch (const std::exception& error) {
      std::cerr << "atelier-etl: update failed, nothing was changed: " << error.what() << "\n";
      return 1;
    }
  }
  try {
    const auto report = atelier::etl::load_catalog(args.load);
    std::cout << atelier::etl::format_summary(report) << std::flush;
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "\natelier-etl: load failed, the served dataset is unchanged: " << error.what()
              << "\n";
    return 1;
  }
}
