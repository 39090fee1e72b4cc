// Loads a catalog directory (the seven CSVs of CONTRACT §4) into a new dataset schema and
// publishes it atomically (docs/ARCHITECTURE.md "Database layout"):
//   1. lock (one load at a time), create meta objects, take a new version, CREATE SCHEMA
//   2. pre-scan product.csv and styles.csv for the ids of accepted parents (cheap, in memory)
//   3. per table, on `workers` connections: CREATE TABLE + COPY FREEZE + keys/indexes + ANALYZE
//      in ONE transaction (on a wal_level=minimal server the COPY and index builds skip WAL)
//   4. rejects -> atelier.rejects, cart.csv -> atelier.cart (upsert on source_id)
//   5. ONE transaction: replace the catalog.* views, mark the dataset active, retire the previous
//   6. drop datasets older than the `keep` most recent
// A failure before 5 leaves the served dataset untouched and marks the new one failed.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "etl/load_report.hpp"
#include "session/session_key.hpp"

namespace atelier::etl {

// The input cannot be loaded at all (missing file, wrong header, database unreachable, another
// load running). Bad LINES are never a LoadError: they are rejected and reported.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ProgressStyle {
  live,   // a redrawn status line with rows/s and ETA (stderr is a terminal)
  lines,  // one `file=... rows=...` line per finished file (pipes, logs)
  quiet,  // nothing (tests)
};

struct LoadOptions {
  std::filesystem::path data_dir;
  std::string database_url;
  int keep = 2;     // datasets kept: the new one and the previous (in-flight readers)
  int workers = 2;  // connections loading tables concurrently (2 cores on the target box)
  // How long to wait for another load or a partial update holding the catalog lock.
  std::chrono::seconds lock_wait{600};
  ProgressStyle progress = ProgressStyle::lines;
  std::function<void(std::string_view)> log;  // receives progress text; default: stderr
  // Keys cart.csv's sessions (and migrates raw ones of an older release); null: no secret, and a
  // cart.csv with rows, or raw sessions to migrate, fail the load with a message saying so.
  std::shared_ptr<const session::SessionKeyer> session_keyer;
};

// Checks that the directory holds the seven files with their exact headers (CONTRACT §4).
// Throws LoadError naming every problem.
void check_catalog_dir(const std::filesystem::path& dir);

// Runs a whole load; returns the report of the now-active dataset. Throws LoadError or
// DatabaseError (pg_session.hpp) when the load failed (nothing was published).
LoadReport load_catalog(const LoadOptions& options);

}  // namespace atelier::etl
