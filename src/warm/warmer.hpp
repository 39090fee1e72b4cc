// The cache warm-up run by ops after a Redis restart, or after a publish (--changed): streams the
// catalog from Postgres in ordered id batches (three queries per batch, not one per product),
// serializes with the same json:: functions as the hosts, and stores through the cache library
// (cache::Cache::put_many, pipelined) under the keys the hosts read: each product's revision comes
// from the same statement as its rows.
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
  // Only the products the newest publish changed or added (everything when that publish was too
  // large to list, e.g. a first load).
  bool changed_only = false;
};

// One batch of work: the products with lo <= id <= hi, or only those of `only` (sorted).
struct WorkUnit {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::vector<std::int64_t> only;  // empty = every product in [lo, hi]
};

// Splits [lo, hi] into units of options.batch_size ids of span, or options.ids into units of at
// most options.batch_size ids.
std::vector<WorkUnit> plan_units(const WarmOptions& options, std::int64_t lo, std::int64_t hi);

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
  std::int64_t publish = 0;  // --changed: the publish whose products were warmed
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
