// The cache the HTTP handlers use: two verbs, get and put (after Drogon's redis_cache example),
// over one Redis connection per worker thread. It never throws and never blocks a request for
// longer than the Redis timeouts; when Redis is down it steps aside (CacheHealth).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache/cache_health.hpp"
#include "cache/entry.hpp"
#include "cache/redis_options.hpp"

namespace atelier::cache {

struct RedisStatus;

struct CacheOptions {
  std::optional<RedisOptions> redis;  // nullopt (empty REDIS_URL) -> CacheState::disabled
  // The read endpoint of a read/write split (ATELIER_REDIS_READ_URL): a replica near the host.
  // nullopt: every command goes to `redis`, as without the split. Otherwise get() asks it first
  // and the master (`redis`) only when it misses or is unusable; put/remove always go to `redis`.
  // Why a replica can answer reads at all: every key names the content it holds (a product's
  // revision, a list revision), so a replica that lags can only lack a key, never hold other bytes
  // under it (docs/ARCHITECTURE.md "Reading Redis from a replica").
  std::optional<RedisOptions> read_redis;
  // Each TTL is scaled by a random factor in [1 - jitter, 1 + jitter], so keys written together
  // (a warm-up, a traffic burst after a reload) do not all expire in the same second.
  double ttl_jitter = 0.10;
  // TTL of non-200 entries (404 for an unknown id). Short: it only has to absorb a client
  // hammering a bad id; a new dataset version uses new keys, so a 404 can never hide a new product.
  std::chrono::milliseconds not_found_ttl{30'000};
  BackoffPolicy backoff;
  // Called with the duration in seconds of every Redis round trip made by get/put (not of calls
  // skipped in back-off). Wire it to a Prometheus histogram. Set before construction; may be empty.
  std::function<void(double seconds)> observe_latency;
};

// Plain counters, read by the HTTP layer for /metrics (kept free of the metrics library).
struct CacheCounters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};  // absent keys, plus malformed values (also in errors)
  std::atomic<std::uint64_t> errors{0};  // failed Redis calls and malformed values
  // Values read from Redis that a host would not send (malformed, or !is_sendable: a bad ETag,
  // status or gzip body): each is a miss (and an error) too; the page is loaded from PostgreSQL.
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> over_budget{0};  // put_within_budget calls refused by the budget
  std::atomic<std::uint64_t> skipped{0};      // get/put not sent because of back-off
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> bytes_written{0};
  std::atomic<std::uint64_t> single_flight_waits{0};  // maintained by SingleFlight
  // The read endpoint (CacheOptions::read_redis); all zero without one. hits/misses above count
  // lookups whatever answered them.
  std::atomic<std::uint64_t> replica_reads{0};  // GETs the replica answered (hit or miss)
  std::atomic<std::uint64_t> replica_hits{0};
  std::atomic<std::uint64_t> replica_failures{0};  // failed replica GETs (then asked the master)
  std::atomic<std::uint64_t> replica_skipped{0};   // replica backed off: GET went to the master
  std::atomic<std::uint64_t> master_hits_after_replica_miss{0};  // replica lagged, master had it
};

// ttl scaled by (1 + jitter * (2 * unit - 1)); unit is a uniform draw from [0, 1], jitter is
// clamped to [0, 1). Never below 1 ms. Pure, so the bounds are unit-tested.
std::chrono::milliseconds jittered_ttl(std::chrono::milliseconds ttl, double jitter, double unit);

struct KeyedEntry {
  std::string key;
  Entry entry;
};

// A TTL that stores without expiry (content-keyed entries stay until their product changes).
inline constexpr std::chrono::milliseconds kKeepForever{0};

class Cache {
 public:
  explicit Cache(CacheOptions options);
  ~Cache();  // stops the recovery probe, closes every thread's connection
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The entry under `key`, or nullopt on a miss, a malformed value, any Redis failure, or while
  // in back-off / disabled.
  std::optional<Entry> get(std::string_view key);
  // The entries under `keys` (nullopt where missing or malformed), read from the master in one
  // MGET; empty on any Redis failure or while backed off. For bulk reads off the request path
  // (HotSet's prefill): not counted as hits or misses.
  std::vector<std::optional<Entry>> get_many(std::span<const std::string> keys);
  // Stores `entry` for `ttl` (jittered; kKeepForever: no expiry; non-200 entries use
  // options.not_found_ttl instead). Failures are counted and otherwise ignored: the caller
  // already has the data.
  void put(std::string_view key, const Entry& entry, std::chrono::milliseconds ttl);
  // put, only while the bytes stored under budget_key (a Redis counter that lives as long as
  // `ttl`, shared by every host) stay within budget_bytes; false when not stored (over budget,
  // Redis unusable). Bounds what one kind of entry (list pages) can take of Redis's memory.
  bool put_within_budget(std::string_view key, const Entry& entry, std::chrono::milliseconds ttl,
                         std::string_view budget_key, std::size_t budget_bytes);
  // The same for a batch, pipelined in one round trip (the warm-up tool). Returns how many were
  // stored.
  std::size_t put_many(std::span<const KeyedEntry> entries, std::chrono::milliseconds ttl);
  // Deletes the keys (UNLINK): entries of revisions that are no longer current.
  void remove(std::span<const std::string> keys);

  // used_memory from INFO memory (for ops/metrics); nullopt when unavailable.
  std::optional<std::int64_t> used_memory();
  // PING, even while backing off (a tool checking Redis before it starts): nullopt when Redis
  // answered, else why not.
  std::optional<std::string> ping();

  CacheState state() const { return health_.state(); }
  const CacheHealth& health() const { return health_; }
  // The read endpoint's own state (disabled without one): a failing replica backs off alone and
  // its reads go to the master meanwhile.
  CacheState read_state() const { return read_health_.state(); }
  const CacheHealth& read_health() const { return read_health_; }
  CacheCounters& counters() { return counters_; }
  const CacheOptions& options() const { return options_; }

 private:
  struct WorkerSlot;
  WorkerSlot& slot();
  bool skip();
  // A GET's value (from either node) as an entry, counting the bytes read; a value that does not
  // decode, or an entry that is not cache::is_sendable, counts as an error and as rejected, and
  // reads as absent.
  std::optional<Entry> decode_counted(std::string&& value);
  // The replica's answer to get(): a hit, or nullopt after a miss (replica_missed set) or a
  // failure; the master is asked next in both cases.
  std::optional<Entry> get_from_replica(std::string_view key, bool& replica_missed);
  // An entry to store and its key, without copying either (put and put_many share store).
  struct EntryRef {
    std::string_view key;
    const Entry* entry;
  };
  std::size_t store(std::span<const EntryRef> entries, std::chrono::milliseconds ttl);
  std::chrono::milliseconds effective_ttl(const Entry& entry, std::chrono::milliseconds ttl,
                                          WorkerSlot& worker) const;
  void record(const RedisStatus& status);
  void observe(std::chrono::steady_clock::time_point start) const;

  const CacheOptions options_;
  const std::uint64_t instance_id_;
  CacheCounters counters_;
  CacheHealth health_;
  CacheHealth read_health_;
  // One connection per thread that ever used this cache, owned here (not by the thread) so that
  // destroying the Cache closes every socket; each slot is only ever touched by its own thread.
  std::mutex slots_mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<WorkerSlot>> slots_;
  std::unique_ptr<RecoveryProbe> read_probe_;
  std::unique_ptr<RecoveryProbe> probe_;  // last: joined before the members it reads go away
};

}  // namespace atelier::cache
