#include "cache/cache.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "cache/redis_connection.hpp"

namespace atelier::cache {
namespace {

// Source of Cache::instance_id_. Global on purpose: ids must never repeat across Cache objects,
// because each thread remembers "my slot of cache #id" (see Cache::slot) and a reused id could
// point it at a slot of a destroyed Cache.
std::atomic<std::uint64_t> next_instance_id{1};

// A connection that was already open may have gone stale (server restart, server-side idle
// `timeout`): that fails at once with closed/io, and one retry on a fresh socket is cheap and
// keeps a Redis restart from counting one failure per worker. Timeouts are never retried: that
// would double the time a slow Redis costs the request.
template <typename Call>
auto call_with_reconnect(RedisConnection& connection, Call call) {
  const bool reused = connection.connected();
  auto result = call();
  if (reused && (result.error == RedisError::closed || result.error == RedisError::io)) {
    result = call();
  }
  return result;
}

}  // namespace

struct Cache::WorkerSlot {
  WorkerSlot(const RedisOptions& options, const std::optional<RedisOptions>& read_options,
             std::uint64_t seed)
      : connection(options), random(static_cast<std::minstd_rand::result_type>(seed)) {
    if (read_options) reader.emplace(*read_options);
  }

  RedisConnection connection;             // the master: every write, and reads the replica lacks
  std::optional<RedisConnection> reader;  // the read endpoint, when there is one
  std::minstd_rand random;  // TTL jitter; per thread, so no lock and no shared RNG state
};

std::chrono::milliseconds jittered_ttl(std::chrono::milliseconds ttl, double jitter, double unit) {
  if (!(jitter > 0.0)) jitter = 0.0;  // also catches NaN
  jitter = std::min(jitter, 0.99);
  unit = std::clamp(std::isnan(unit) ? 0.5 : unit, 0.0, 1.0);
  const double factor = 1.0 + jitter * (2.0 * unit - 1.0);
  const auto scaled = static_cast<std::chrono::milliseconds::rep>(
      std::llround(static_cast<double>(ttl.count()) * factor));
  return std::chrono::milliseconds(std::max<std::chrono::milliseconds::rep>(scaled, 1));
}

Cache::Cache(CacheOptions options)
    : options_(std::move(options)),
      instance_id_(next_instance_id.fetch_add(1, std::memory_order_relaxed)),
      health_(options_.backoff, options_.redis.has_value()),
      read_health_(options_.backoff, options_.redis.has_value() && options_.read_redis) {
  if (options_.redis) probe_ = std::make_unique<RecoveryProbe>(health_, *options_.redis);
  if (read_health_.state() != CacheState::disabled) {
    read_probe_ =
        std::make_unique<RecoveryProbe>(read_health_, *options_.read_redis, ProbeCommand::get);
  }
}

Cache::~Cache() = default;

Cache::WorkerSlot& Cache::slot() {
  // Per-thread memo of the last (cache, slot) pair, so the hot path takes no lock. Thread-local
  // by design (STYLE habit 4: one Redis context per worker thread, never shared).
  thread_local std::uint64_t memo_instance = 0;
  thread_local WorkerSlot* memo_slot = nullptr;
  if (memo_instance == instance_id_) return *memo_slot;

  std::lock_guard lock(slots_mutex_);
  // Keyed by thread id: a new thread that inherits the id of a finished one reuses its slot (the
  // old thread is gone, so the slot is still used by one thread at a time).
  auto& owned = slots_[std::this_thread::get_id()];
  if (!owned) {
    const auto seed =
        std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
        static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    const std::optional<RedisOptions> no_reader;
    owned = std::make_unique<WorkerSlot>(
        *options_.redis,
        read_health_.state() == CacheState::disabled ? no_reader : options_.read_redis, seed);
  }
  memo_instance = instance_id_;
  memo_slot = owned.get();
  return *owned;
}

bool Cache::skip() {
  const CacheState state = health_.state();
  if (state == CacheState::up) return false;
  if (state == CacheState::backoff) counters_.skipped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Cache::observe(std::chrono::steady_clock::time_point start) const {
  if (!options_.observe_latency) return;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  options_.observe_latency(elapsed.count());
}

std::optional<Entry> Cache::decode_counted(std::string&& value) {
  counters_.bytes_read.fetch_add(value.size(), std::memory_order_relaxed);
  std::optional<Entry> entry = decode_entry(std::move(value));
  // Written by an incompatible version, corrupted, or planted: never sent, whatever it holds.
  if (entry && !is_sendable(*entry)) entry.reset();
  if (!entry) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
  }
  return entry;
}

std::optional<Entry> Cache::get_from_replica(std::string_view key, bool& replica_missed) {
  RedisConnection& connection = *slot().reader;
  const auto start = std::chrono::steady_clock::now();
  RedisResult<std::string> reply =
      call_with_reconnect(connection, [&] { return connection.get(key); });
  observe(start);
  if (reply.error == RedisError::ok || reply.error == RedisError::miss) {
    read_health_.record_success();
    counters_.replica_reads.fetch_add(1, std::memory_order_relaxed);
    replica_missed = true;  // until a good value says otherwise
    if (reply.error == RedisError::miss) return std::nullopt;
    std::optional<Entry> entry = decode_counted(std::move(reply.value));
    if (!entry) return std::nullopt;
    replica_missed = false;
    counters_.replica_hits.fetch_add(1, std::memory_order_relaxed);
    counters_.hits.fetch_add(1, std::memory_order_relaxed);
    return entry;
  }
  // Down, slow, refusing reads while it loads a dataset or lost its master: the master answers
  // this lookup, and a streak of these backs the replica off (its probe brings it back).
  counters_.replica_failures.fetch_add(1, std::memory_order_relaxed);
  if (is_outage(reply.error) || is_unready_replica(reply)) {
    read_health_.record_failure();
  } else {
    read_health_.record_success();
  }
  return std::nullopt;
}

std::vector<std::optional<Entry>> Cache::get_many(std::span<const std::string> keys) {
  std::vector<std::optional<Entry>> entries;
  if (keys.empty() || skip()) return entries;
  RedisConnection& connection = slot().connection;
  const auto start = std::chrono::steady_clock::now();
  auto reply = call_with_reconnect(connection, [&] { return connection.mget(keys); });
  observe(start);
  record(reply);
  if (!reply.ok()) return entries;
  entries.reserve(reply.value.size());
  for (auto& value : reply.value) {
    entries.push_back(value ? decode_counted(std::move(*value)) : std::nullopt);
  }
  return entries;
}

std::optional<Entry> Cache::get(std::string_view key) {
  // The read endpoint first. Its miss is not the answer: it may lag the master by the few writes
  // it has not replayed yet (or be a fresh replica still syncing), and one more round trip to the
  // master is far cheaper than the PostgreSQL load a miss causes.
  bool replica_missed = false;
  if (const CacheState read = read_health_.state(); read == CacheState::up) {
    if (auto hit = get_from_replica(key, replica_missed)) return hit;
  } else if (read == CacheState::backoff) {
    counters_.replica_skipped.fetch_add(1, std::memory_order_relaxed);
  }
  if (skip()) {
    if (replica_missed) counters_.misses.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  RedisConnection& connection = slot().connection;
  const auto start = std::chrono::steady_clock::now();
  RedisResult<std::string> reply =
      call_with_reconnect(connection, [&] { return connection.get(key); });
  observe(start);

  switch (reply.error) {
    case RedisError::ok: {
      health_.record_success();
      std::optional<Entry> entry = decode_counted(std::move(reply.value));
      if (!entry) {
        // Behave like a miss, so the caller reloads and overwrites it.
        counters_.misses.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
      }
      counters_.hits.fetch_add(1, std::memory_order_relaxed);
      if (replica_missed) {
        counters_.master_hits_after_replica_miss.fetch_add(1, std::memory_order_relaxed);
      }
      return entry;
    }
    case RedisError::miss:
      health_.record_success();
      counters_.misses.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    case RedisError::server:
      health_.record_success();  // Redis answered; the connection is fine
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    case RedisError::io:
    case RedisError::timeout:
    case RedisError::closed:
      break;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  health_.record_failure();
  return std::nullopt;
}

std::chrono::milliseconds Cache::effective_ttl(const Entry& entry, std::chrono::milliseconds ttl,
                                               WorkerSlot& worker) const {
  if (entry.status != 200) ttl = options_.not_found_ttl;
  if (ttl == kKeepForever) return kNoExpiry;
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(worker.random);
  return jittered_ttl(ttl, options_.ttl_jitter, unit);
}

void Cache::record(const RedisStatus& status) {
  if (status.ok()) {
    health_.record_success();
    return;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  if (is_outage(status.error)) {
    health_.record_failure();
  } else {
    health_.record_success();
  }
}

void Cache::put(std::string_view key, const Entry& entry, std::chrono::milliseconds ttl) {
  const EntryRef one{key, &entry};
  store(std::span(&one, 1), ttl);
}

bool Cache::put_within_budget(std::string_view key, const Entry& entry,
                              std::chrono::milliseconds ttl, std::string_view budget_key,
                              std::size_t budget_bytes) {
  if (budget_bytes == 0 || skip()) return false;
  RedisConnection& connection = slot().connection;
  const auto cost = static_cast<std::int64_t>(key.size() + entry.etag.size() + entry.body.size());
  const auto start = std::chrono::steady_clock::now();
  const RedisResult<std::int64_t> spent = call_with_reconnect(
      connection, [&] { return connection.add_to_budget(budget_key, cost, ttl); });
  observe(start);
  record(spent);
  if (!spent.ok()) return false;
  if (spent.value > static_cast<std::int64_t>(budget_bytes)) {
    counters_.over_budget.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  put(key, entry, ttl);
  return true;
}

std::size_t Cache::put_many(std::span<const KeyedEntry> entries, std::chrono::milliseconds ttl) {
  std::vector<EntryRef> refs;
  refs.reserve(entries.size());
  for (const KeyedEntry& e : entries) refs.push_back({e.key, &e.entry});
  return store(refs, ttl);
}

std::size_t Cache::store(std::span<const EntryRef> entries, std::chrono::milliseconds ttl) {
  if (entries.empty() || skip()) return 0;
  WorkerSlot& worker = slot();
  std::vector<std::string> values;  // reserved: the commands' views into it stay valid
  std::vector<SetCommand> batch;
  values.reserve(entries.size());
  batch.reserve(entries.size());
  for (const EntryRef& e : entries) {
    try {
      values.push_back(encode_entry(*e.entry));
    } catch (const std::invalid_argument&) {
      counters_.errors.fetch_add(1, std::memory_order_relaxed);  // caller bug; never worth a 500
      continue;
    }
    batch.push_back({e.key, values.back(), effective_ttl(*e.entry, ttl, worker)});
  }
  // One pipelined round trip whatever the count (one SET costs the same as set()).
  RedisConnection& connection = worker.connection;
  const auto start = std::chrono::steady_clock::now();
  const RedisResult<std::size_t> stored =
      call_with_reconnect(connection, [&] { return connection.set_many(batch); });
  observe(start);
  record(stored);
  for (std::size_t i = 0; i < stored.value && i < values.size(); ++i) {
    counters_.bytes_written.fetch_add(values[i].size(), std::memory_order_relaxed);
  }
  return stored.value;
}

void Cache::remove(std::span<const std::string> keys) {
  if (keys.empty() || skip()) return;
  RedisConnection& connection = slot().connection;
  const auto start = std::chrono::steady_clock::now();
  const auto removed = call_with_reconnect(connection, [&] { return connection.unlink(keys); });
  observe(start);
  record(removed);
}

std::optional<std::int64_t> Cache::used_memory() {
  if (skip()) return std::nullopt;
  RedisConnection& connection = slot().connection;
  const auto result = call_with_reconnect(connection, [&] { return connection.used_memory(); });
  if (!result.ok()) {
    if (is_outage(result.error)) health_.record_failure();
    return std::nullopt;
  }
  health_.record_success();
  return result.value;
}

std::optional<std::string> Cache::ping() {
  if (!options_.redis) return "no Redis configured";
  RedisConnection& connection = slot().connection;
  const RedisStatus status = call_with_reconnect(connection, [&] { return connection.ping(); });
  if (!status.ok()) {
    if (is_outage(status.error)) health_.record_failure();
    return status.message;
  }
  health_.record_success();
  return std::nullopt;
}

}  // namespace atelier::cache
