// Partial updates: applies a directory of partial CSVs to the active dataset in place, in one
// transaction (docs/ARCHITECTURE.md "Catalog changes").
//
// The directory holds any of the six catalog files (same headers as a full load) and a
// deleted.csv with one `product_id` column:
//   * product.csv rows replace those products' rows; new ids add products;
//   * features.csv / related.csv rows for a product replace all of its features / related rows;
//   * styles.csv rows for a product replace all of its styles, and its photos and skus with the
//     photos.csv / skus.csv rows of those styles (a product's styles come with their photos and
//     skus: photo or sku rows of a style that is not in the update are rejected);
//   * deleted.csv removes products with all their rows, and every other product's related rows
//     that name them (as for any dangling related row).
// Bad lines are rejected and reported as in a full load and change nothing else. The changed
// products get new revisions (updated_at moves, created_at stays), and the publish is recorded
// and NOTIFYed like a load's, so hosts move to the new revisions at once. Carts are untouched.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "etl/file_stream.hpp"
#include "etl/id_set.hpp"
#include "etl/load_report.hpp"
#include "session/session_key.hpp"

namespace atelier::etl {

struct UpdateOptions {
  std::filesystem::path data_dir;
  std::string database_url;
  // How long to wait for a load or another update that holds the catalog lock.
  std::chrono::seconds lock_wait{600};
  // For the migration of raw cart sessions an older release left (etl/cart_sessions.hpp).
  std::shared_ptr<const session::SessionKeyer> session_keyer;
};

struct UpdateReport {
  std::int64_t dataset_version = 0;
  std::int64_t publish = 0;
  std::vector<FileReport> files;
  std::vector<RejectRecord> rejects;
  std::int64_t changed = 0;
  std::int64_t added = 0;
  std::int64_t deleted = 0;
  double seconds = 0;        // from the start to the commit
  double apply_seconds = 0;  // the transaction alone (what readers could notice)
};

// Checks the directory: at least one known file, each with its exact header. Throws LoadError.
void check_update_dir(const std::filesystem::path& dir);

// Applies the update; throws LoadError or DatabaseError when nothing was applied.
UpdateReport apply_update(const UpdateOptions& options);

std::string format_update_summary(const UpdateReport& report);

// deleted.csv of an update directory (header checked before): the products it deletes, sorted and
// unique, and its lines that delete nothing (wrong field count, bad product_id, no such product
// among `existing`, duplicate id), reported like any rejected line. Pure but for reading the file.
struct DeletedIds {
  std::vector<std::int64_t> ids;
  StreamResult result;
};
DeletedIds read_deleted(const std::filesystem::path& path, const IdSet& existing);

}  // namespace atelier::etl
