// Environment variables -> one immutable Config, read once in main() and passed down (STYLE habit
// 9). Every variable is declared once in the table in config.cpp; --help and the README print that
// table.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::config {

struct Config {
  // HTTP host
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string unix_socket;  // empty: TCP only
  int threads = 8;
  std::size_t max_request_bytes = 64 * 1024;
  std::chrono::seconds keepalive_timeout{120};
  std::string campus = "hr-rfp";
  int max_page_count = 5000;
  bool log_requests = false;
  // PostgreSQL
  std::string database_url = "postgresql://atelier@127.0.0.1:5432/atelier";
  std::chrono::milliseconds db_connect_timeout{2000};
  std::chrono::milliseconds db_statement_timeout{2000};
  std::chrono::milliseconds change_poll_interval{5000};
  // Catalog reads from streaming replicas (empty: every read goes to database_url, as before).
  // database_url stays the write URL (cart) and is the catalog's last fall-back.
  std::vector<std::string> read_database_urls;
  std::chrono::milliseconds replica_max_lag{30000};
  std::chrono::milliseconds replica_check_interval{1000};
  // Redis
  std::string redis_url;  // empty: cache disabled
  // A replica near the host that cache reads go to first (empty: reads go to redis_url too).
  std::string redis_read_url;
  // Secrets kept out of URLs and the environment: read from the files ATELIER_REDIS_PASSWORD_FILE
  // (the password of the URLs' user) and ATELIER_REDIS_SENTINEL_PASSWORD_FILE (the Sentinels').
  std::optional<std::string> redis_password;
  std::optional<std::string> redis_sentinel_password;
  std::chrono::milliseconds redis_connect_timeout{200};
  std::chrono::milliseconds redis_command_timeout{100};
  std::chrono::seconds page_cache_ttl{3600};
  int cache_ttl_jitter_percent = 10;
  std::size_t local_cache_mb = 512;  // in-process tier in front of Redis; 0 = off
  // Database work off the request threads (http/deferred_work.hpp)
  int db_workers = 4;
  int db_queue = 512;
  std::chrono::milliseconds db_deadline{2500};
  std::chrono::milliseconds ready_check_interval{1000};
  // The hot set (cache/hot_set.hpp): how often a host shares its hot products, how long a start
  // may spend filling its in-process tier from them, and how many products the list holds.
  std::chrono::milliseconds hot_set_interval{30000};
  std::chrono::milliseconds prefill_timeout{15000};
  std::size_t hot_set_products = 200000;
  std::string hot_set_file;  // empty: the list lives in Redis only
  // This host's place behind the balancer (its successor takes the same): it also keeps its own
  // list of bodies, which a start under the same name prefills from first. Empty: none.
  std::string hot_set_name;
  // Cart sessions (docs/SECURITY.md)
  std::string session_secret_file;           // required by atelier-api
  std::string session_previous_secret_file;  // while a secret is rotated out
  int cart_max_skus = 100;
  int cart_max_units = 10;
  int cart_batch_max = 128;  // adds per group commit (docs/CART.md)
  int cart_committers = 1;   // group commits in flight at once per host
  // Graceful drain on SIGTERM
  std::chrono::milliseconds drain_delay{2000};
  std::chrono::milliseconds drain_timeout{20000};
  // List pages have budgets of their own, so that no walk over page numbers can evict product
  // bodies: an in-process LRU apart from the bodies', and bytes stored in Redis per list
  // revision and TTL (cache::Cache::put_within_budget).
  std::size_t local_page_cache_mb = 32;
  std::size_t page_cache_redis_mb = 64;
};

// One documented variable: what --help and the README table show.
struct Variable {
  std::string_view name;
  std::string_view default_value;
  std::string_view description;
};

const std::vector<Variable>& variables();

// Looks a variable up; returns nullptr when unset. main() passes std::getenv, tests pass a map.
using Lookup = std::function<const char*(const char*)>;

struct ParseResult {
  Config config;
  std::vector<std::string> errors;  // one sentence per invalid variable; empty = OK
};

ParseResult parse(const Lookup& lookup);

// Text for --help: usage line plus the variable table.
std::string help_text(std::string_view program, std::string_view summary);

// `conninfo` string for libpq/libpqxx: the URL plus connect/statement timeouts and TCP keepalives,
// placed in the connection string so they survive every reconnect (LIBRARY-NOTES §2).
std::string postgres_conninfo(const Config& config, std::string_view application_name);
// The same settings for another URL of the same cluster (a read replica).
std::string postgres_conninfo(const Config& config, std::string_view url,
                              std::string_view application_name);

// "a,b , c" -> {"a","b","c"}; blanks dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace atelier::config
