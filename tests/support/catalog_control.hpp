// Changes to the test catalog from a test, through the project's own tools: tomorrow's catalog
// made by `atelier-gen --mutate-from`, published as a partial update (`atelier-etl --update`) or
// as a full load, against the stack scripts/test started (DATABASE_URL, ATELIER_BIN_DIR).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atelier::testing {

using Ids = std::vector<std::int64_t>;

// What `atelier-gen --mutate-from` changed (its changes.json).
struct CatalogMutation {
  Ids changed;
  Ids added;
  Ids deleted;
  Ids dangling;  // related lists that named a deleted product
};

// Runs a shell command with its output discarded; its exit status.
int run_quiet(const std::string& command);

// $ATELIER_BIN_DIR/<tool>.
std::string tool_path(const std::string& tool);

// Tomorrow's catalog from `from` in a fresh directory `out` (the update in out/update); the
// calling test fails when the generator does.
CatalogMutation mutate_catalog(const std::string& from, const std::string& out, int seed,
                               double percent = 3);

// Publishes out/update (a partial update) or a whole catalog directory (a full load); exit status.
int apply_update(const std::string& dir);
int full_load(const std::string& dir);

}  // namespace atelier::testing
