// The cache warm-up run by ops after a load or a Redis restart: streams the catalog from Postgres
// in ordered id batches (three queries per batch, not one per product), serializes with the same
// json:: functions as the hosts, and writes to Redis with pipelined SETs under the keys the hosts
// read (the dataset version comes from the same statement as the rows).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace atelier::warm {

struct WarmOptions {
  // Which products: an id range, or an explicit sorted list (ids outside the catalog are skipped).
  std::int64_t from_id = 1;
  std::int64_t to_id = INT64_MAX;
  std::optional<double> last_percent;  // resolved against the catalog's id bounds
  std::vector<std::int64_t> ids;       // when non-empty, only these (sorted, unique)
  std::int64_t batch_size = 2000;      // products per batch (id span)
  int workers = 2;
  bool product = true;
  bool styles = true;
  bool related = true;
};

struct WarmProgress {
  std::int64_t products_done = 0;
  std::int64_t products_total = 0;  // estimate, for the ETA
  std::int64_t keys_written = 0;
  std::int64_t bytes_written = 0;
  std::int64_t resume_from = 0;  // every id below this is done
};

struct WarmReport {
  bool ok = false;
  std::string error;  // why the job could not be done
  std::int64_t dataset_version = 0;
  std::int64_t products = 0;
  std::int64_t keys_written = 0;
  std::int64_t bytes_written = 0;
  double seconds = 0;
  std::int64_t resume_from = 0;
  std::optional<std::int64_t> redis_used_memory;
  bool interrupted = false;
};

// Runs the warm-up. `on_progress` is called from the calling thread a few times per second.
// `stop` set to true (e.g. from SIGINT) ends the run after the batches in flight.
WarmReport warm_cache(const config::Config& config, const WarmOptions& options,
                      const std::function<void(const WarmProgress&)>& on_progress,
                      const std::atomic<bool>& stop);

// Reads ids (one per line, blank lines and # comments skipped) -> sorted unique list.
// Returns an error message on a line that is not a positive whole number.
std::optional<std::string> read_id_file(const std::string& path, std::vector<std::int64_t>& ids);

}  // namespace atelier::warm
