// One blocking hiredis connection, owned by exactly one object (STYLE habit 1, after
// redis-plus-plus's connection.h). This header and its .cpp are the only code that knows hiredis;
// everything else talks to Cache. Not thread-safe: one RedisConnection per thread
// (LIBRARY-NOTES §3: "A redisContext is not thread-safe").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_options.hpp"

struct redisContext;  // hiredis types, kept out of every other header
struct redisReply;

namespace atelier::cache {

// What a call to Redis ended in. The first two are answers; the rest are failures.
enum class RedisError {
  ok,       // the command succeeded
  miss,     // key absent (nil reply)
  io,       // connect refused / reset / protocol error; the connection was dropped
  timeout,  // connect or command exceeded its timeout; the connection was dropped
  server,   // Redis answered with an error reply (WRONGTYPE, OOM, ...); the connection is fine
  closed,   // Redis closed the connection, or refused the AUTH/SELECT handshake; dropped
};

std::string_view to_string(RedisError error);

// io, timeout and closed: Redis is unreachable or unusable right now (CacheHealth counts these).
constexpr bool is_outage(RedisError error) {
  return error == RedisError::io || error == RedisError::timeout || error == RedisError::closed;
}

struct RedisStatus;
// A server error a replica answers while it cannot serve reads (LOADING: it is loading a dataset
// after a (re)sync; MASTERDOWN: its link to the master is down and replica-serve-stale-data is
// off). For a read endpoint these mean "unusable for now", like an outage (Cache::get).
bool is_unready_replica(const RedisStatus& status);

struct RedisStatus {
  RedisError error = RedisError::ok;
  std::string message;  // hiredis errstr or the server's error text; empty on ok/miss

  bool ok() const { return error == RedisError::ok; }
};

template <typename T>
struct RedisResult : RedisStatus {
  T value{};
};

// A TTL of kNoExpiry stores the key without expiry (SET without PX).
inline constexpr std::chrono::milliseconds kNoExpiry{0};

// One SET of a pipelined batch; the views must stay valid for the duration of the call.
struct SetCommand {
  std::string_view key;
  std::string_view value;
  std::chrono::milliseconds ttl;
};

class RedisConnection {
 public:
  // Does not connect: the first command does (lazily), so constructing one never blocks.
  explicit RedisConnection(RedisOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;
  RedisConnection(RedisConnection&&) noexcept;
  RedisConnection& operator=(RedisConnection&&) noexcept;

  const RedisOptions& options() const { return options_; }
  bool connected() const { return context_ != nullptr; }

  // Connects now if not connected: connect timeout, then command timeout + keepalive, AUTH, SELECT.
  // Every command below calls this first, so after a failure the next call reconnects.
  RedisStatus connect();
  void disconnect();

  // GET; miss when the key does not exist. Binary-safe.
  RedisResult<std::string> get(std::string_view key);
  // SET key value PX ttl (ttl >= 1 ms), or SET key value for kNoExpiry.
  RedisStatus set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);
  // MGET; one element per key, nullopt where the key does not exist.
  RedisResult<std::vector<std::optional<std::string>>> mget(std::span<const std::string> keys);
  // Pipelined SET ... PX: appends all commands, then drains every reply. value = number stored.
  // A server error on one SET is reported (first one wins) but the rest are still drained.
  RedisResult<std::size_t> set_many(std::span<const SetCommand> batch);
  RedisStatus ping();
  // `used_memory` from INFO memory, in bytes.
  RedisResult<std::int64_t> used_memory();
  // The text of INFO <section> ("field:value" lines).
  RedisResult<std::string> info(std::string_view section);
  // INCRBY key amount; when that created the key (the total is `amount`), PEXPIRE key ttl too.
  // value = the total after the increment. The byte budget of list pages (Cache::put_within).
  RedisResult<std::int64_t> add_to_budget(std::string_view key, std::int64_t amount,
                                          std::chrono::milliseconds ttl);
  // PTTL in ms: -2 when the key does not exist, -1 when it has no expiry.
  RedisResult<std::int64_t> pttl(std::string_view key);
  // UNLINK (non-blocking DEL); value = number of keys removed.
  RedisResult<std::int64_t> unlink(std::span<const std::string> keys);
  // SCAN MATCH pattern + UNLINK in batches; for tests and ops, never on a request path.
  RedisResult<std::int64_t> unlink_matching(std::string_view pattern);

 private:
  struct ContextFree {
    void operator()(redisContext* context) const;
  };
  struct ReplyFree {
    void operator()(redisReply* reply) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
  using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

  // Sends one command and reads its reply; on a context error drops the connection (a hiredis
  // context is dead after any error, LIBRARY-NOTES §3) and reports io/timeout/closed.
  RedisStatus exchange(std::span<const std::string_view> args, ReplyPtr& reply);
  RedisStatus fail_context(std::string_view what, int saved_errno);
  // Asks each Sentinel in turn for the master's address (into options_.host/port); ok when one
  // answered. Used by connect() when options_.sentinels is not empty.
  RedisStatus resolve_master();
  // The same for options_.sentinel_replica: SENTINEL REPLICAS, and the first replica the answering
  // Sentinel sees as healthy (not down or disconnected, link to the master ok).
  RedisStatus resolve_replica();
  // A connection to one Sentinel, with the command timeout set and, when the options carry the
  // Sentinels' password, AUTH accepted: a Sentinel that does not know the password (a rogue one
  // on a Sentinel's address) is never asked, so it cannot name a node that would then be sent the
  // data nodes' password. Null, with `failures` extended, when any step fails.
  ContextPtr sentinel_connection(const RedisEndpoint& sentinel, std::string& failures) const;
  // After a failover the old master may come back as a replica: a write it refuses with
  // READONLY means "reconnect and ask the Sentinels again", so the connection is dropped.
  RedisStatus server_reply_error(const redisReply& reply);

  RedisOptions options_;
  ContextPtr context_;
};

}  // namespace atelier::cache
