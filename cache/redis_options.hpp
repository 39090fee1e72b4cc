// Where the private Redis instance is and how long we are willing to wait for it.
// Pure data + a pure parser; nothing here talks to the network.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::cache {

struct RedisEndpoint {
  std::string host;
  int port = 0;
};

struct RedisOptions {
  // With sentinels, host/port are only where the last master was found; every (re)connect asks
  // the Sentinels first (RedisConnection::connect).
  std::string host = "127.0.0.1";
  int port = 6379;
  std::optional<std::string> username;   // Redis 6 ACL user; nullopt -> `AUTH <password>`
  std::optional<std::string> password;   // nullopt -> no AUTH at all
  int db = 0;                            // SELECTed after connect when not 0
  std::vector<RedisEndpoint> sentinels;  // empty: connect to host:port directly
  std::string sentinel_master;           // the master name the Sentinels monitor
  // The Sentinels' own password (their requirepass), sent as AUTH before anything is asked of
  // them; a Sentinel that refuses it is not believed. nullopt: Sentinels are asked without AUTH.
  // Never part of the URL: ATELIER_REDIS_SENTINEL_PASSWORD_FILE (src/config).
  std::optional<std::string> sentinel_password;
  // With sentinels: connect to a healthy replica of sentinel_master instead of the master (the
  // read endpoint of a read/write split, Cache::get). Set by the caller, never by the URL.
  bool sentinel_replica = false;
  // Short by design: Redis is an accelerator, so a slow Redis must cost a request at most a few
  // hundred ms before the request falls back to Postgres (see Cache / CacheHealth).
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{100};
};

// Parses `redis://[[user]:password@]host[:port][/db]`, or
// `redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/db]#master` (Sentinels,
// port 26379 by default; user and password are the data nodes'; the Sentinels' own password is
// RedisOptions::sentinel_password) (host may be `[v6-address]`; port defaults to 6379, db to 0;
// user and password may be percent-encoded). `user:@` (a user, no password) is accepted for a
// password that comes from a file (with_password); connecting without one sends no AUTH.
// The timeouts keep their defaults. Returns nullopt for an empty (or all-blank) URL, which means
// "cache disabled", and also for a malformed one; callers that must tell the two apart (config
// validation at startup) ask redis_url_error().
std::optional<RedisOptions> parse_redis_url(std::string_view url);

// Empty when `url` is empty or valid; otherwise one sentence naming the problem. Never echoes the
// URL, which may contain the password.
std::string redis_url_error(std::string_view url);

// "host:port" of a direct URL's node, or "sentinel:<master>" for the Sentinel form (where the node
// is chosen at connect time): for /readyz and /metrics. Never contains the password.
std::string endpoint_label(const RedisOptions& options);

// The options with the secrets read from files (ATELIER_REDIS_PASSWORD_FILE,
// ATELIER_REDIS_SENTINEL_PASSWORD_FILE: src/config) set: each given one replaces what the URL
// said. Kept out of the URL so that no environment or log line holds them.
RedisOptions with_secrets(RedisOptions options, const std::optional<std::string>& password,
                          const std::optional<std::string>& sentinel_password);

}  // namespace atelier::cache
