// Changes to the test catalog from a test, through the project's own tools: tomorrow's catalog
// made by `atelier-gen --mutate-from`, published as a partial update (`atelier-etl --update`) or
// as a full load, against the stack scripts/test started (DATABASE_URL, ATELIER_BIN_DIR).
#pragma once

#include <chrono>
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

// The last publish a host has applied, as its /readyz says ("publish"); -1 when it does not say.
std::int64_t served_publish(const std::string& host);

// Polls each host's /readyz until it has applied `publish` (or a later one): a host moves its
// revision table before it reports the publish (catalog/change_feed.cpp), so from then on it serves
// the published catalog. The calling test fails, naming the host, when one has not within
// `timeout`; false then.
bool wait_for_publish(const std::vector<std::string>& hosts, std::int64_t publish,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace atelier::testing
