// The products a host should hold in its in-process tier before it takes traffic, shared by the
// fleet through Redis (docs/ARCHITECTURE.md "Warm again fast").
//
// A host that starts, or is replaced by a rolling restart, has an empty in-process tier: until it
// fills, every product read costs a Redis round trip, and the first seconds after a start ran at
// half the steady rate. So each host publishes, every `publish_interval`, the products of its
// most recently used bodies under one Redis key (CacheKey::hot_products), merged with what the
// key held: NGINX hashes product URIs over the hosts, so the list is the union of their shares. A
// host that starts reads that list once its revision table is loaded, and fetches those products'
// current bodies from Redis (MGET, in batches) into its tier; /readyz says ready only after that,
// and the host opens the unix socket NGINX reaches it by only then, so a balancer sends it traffic
// warm. The prefill is bounded by `prefill_timeout` and by the tier's capacity, and a missing list
// or a failing Redis only ends it early: readiness never waits on Redis for longer.
//
// A host with a name (ATELIER_HOT_SET_NAME: its place behind the balancer, which the host that
// replaces it in a rolling restart takes over) also publishes its own list, the bodies its tier
// held (CacheKey::hot_bodies). NGINX hashes each body's URI, not the product, so that list is the
// host's share, about a third of the fleet's bodies: a named start prefills from it first, and
// from the fleet's list only when there is none.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cache/cache_key.hpp"

namespace atelier::cache {

class ReadThrough;

// The list's wire form: product ids, most recent first, as decimal text, one per line.
std::string encode_hot_products(std::span<const std::int64_t> ids);
// Reads at most `limit` ids; skips anything that is not a positive whole number.
std::vector<std::int64_t> decode_hot_products(std::string_view text, std::size_t limit);
// The products of `keys` (body keys; others are skipped), first appearance first, no repeats.
std::vector<std::int64_t> products_of_keys(std::span<const std::string> keys);
// A host's own list: one body per line, "<body name>:<product id>" (e.g. "styles:42").
std::string encode_hot_bodies(std::span<const BodyRef> bodies);
// Reads at most `limit` bodies; skips any line that does not name one.
std::vector<BodyRef> decode_hot_bodies(std::string_view text, std::size_t limit);
// The bodies of `keys` (body keys; others are skipped), first appearance first, no repeats.
std::vector<BodyRef> bodies_of_keys(std::span<const std::string> keys);

struct HotSetOptions {
  // How often the host publishes its list (0: never).
  std::chrono::milliseconds publish_interval{30000};
  // The longest a start may spend filling its tier once the revisions are loaded (0: no prefill).
  std::chrono::milliseconds prefill_timeout{15000};
  // The longest it waits for the revisions first (a host without them serves no product anyway;
  // its /readyz says so). Past it, no prefill: a database down at start holds nothing back.
  std::chrono::milliseconds revisions_timeout{60000};
  // How long the published list lives in Redis without a host refreshing it.
  std::chrono::milliseconds list_ttl{std::chrono::hours(24)};
  std::size_t max_products = 200000;
  std::string list_key = "atelier:hot-products";  // CacheKey::hot_products(); tests use their own
  // Non-empty: this host's own list (CacheKey::hot_bodies(name)), published beside the fleet's
  // and read first by a start.
  std::string own_list_key;
  // Non-empty: each publish also writes the list to this file (atomically), and a start whose
  // Redis holds no list (Redis restarted: the cache keeps nothing on disk) reads it from here.
  std::string list_file;
  std::size_t keys_per_read = 300;  // keys per MGET
  // The product's current revision, 0 when unknown; and whether those revisions are loaded yet.
  std::function<std::uint64_t(std::int64_t)> revision_of;
  std::function<bool()> revisions_ready;
  // One line per event for the host's log: event name and a detail.
  std::function<void(std::string_view event, std::string_view detail)> log;
};

struct PrefillReport {
  std::size_t products_listed = 0;
  bool from_file = false;         // the list came from HotSetOptions::list_file
  bool own = false;               // the list was this host's own (HotSetOptions::own_list_key)
  std::size_t bodies_listed = 0;  // the own list's bodies (products_listed: the fleet list's)
  std::size_t entries_loaded = 0;
  double seconds = 0;
  bool complete = false;  // false: stopped by the timeout, the tier's capacity or Redis
};

class HotSet {
 public:
  // Starts the thread: prefill once the revisions are loaded, then publish every interval.
  HotSet(ReadThrough& tiers, HotSetOptions options);
  ~HotSet();  // stops and joins the thread
  HotSet(const HotSet&) = delete;
  HotSet& operator=(const HotSet&) = delete;

  // True once the prefill is over (done, timed out, nothing listed, or turned off).
  bool prefilled() const { return prefilled_.load(std::memory_order_acquire); }
  // The longest a start can take to be prefilled: both timeouts.
  std::chrono::milliseconds longest_start() const {
    return options_.revisions_timeout + options_.prefill_timeout;
  }
  // Waits until prefilled(), at most `limit`; returns prefilled().
  bool wait_prefilled(std::chrono::milliseconds limit) const;
  PrefillReport prefill_report() const;

  // Publishes this host's list now (also what the thread does every interval); returns the
  // number of products published (0: nothing to publish, or Redis failed).
  std::size_t publish();

 private:
  void run();
  PrefillReport prefill(std::chrono::steady_clock::time_point deadline);
  // Waits up to `d` or until stopped; false when stopped.
  bool wait(std::chrono::milliseconds d);

  ReadThrough& tiers_;
  HotSetOptions options_;
  std::atomic<bool> prefilled_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  mutable std::condition_variable prefilled_cv_;
  bool stopping_ = false;
  PrefillReport report_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace atelier::cache
