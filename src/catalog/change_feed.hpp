// How a host learns what changed in the catalog (docs/ARCHITECTURE.md "Catalog changes").
//
// One background thread keeps the host's RevisionTable equal to the database's: it loads every
// product's revision once, then LISTENs on atelier_catalog (the loader and the partial update
// NOTIFY it when they publish) and applies the changes of each new publish from
// catalog.publishes / catalog.changes. A notification wakes it at once; a poll every
// `poll_interval` catches what a notification could not deliver (a dropped LISTEN connection, a
// host that was restarted or disconnected), and a publish it cannot apply one by one (too many
// changes, or trimmed from the log) makes it re-read every revision.
//
// The changes are read through `read_conninfo` (the catalog connection: a replica, once there are
// replicas), the notifications come from `listen_conninfo` (the primary: a hot standby delivers
// none). A change a replica has not replayed is thus invisible until it has, so a host never moves
// to a revision its database cannot serve yet.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "catalog/revision_table.hpp"

namespace atelier::catalog {

struct RevisionChange {
  std::int64_t product_id = 0;
  std::uint64_t previous = 0;  // 0: the product is new
  std::uint64_t revision = 0;  // 0: the product was deleted
};

class QueryWatchdog;
class ReadEndpoints;

struct ChangeFeedOptions {
  std::string read_conninfo;
  // With replicas: the catalog's read endpoints (the feed reads where the catalog is read, so it
  // never moves to a revision the replica in use has not replayed). Null: read_conninfo.
  std::shared_ptr<ReadEndpoints> read_endpoints;
  std::string listen_conninfo;
  // Cuts a read that hangs (a frozen server); null: no deadline.
  std::shared_ptr<QueryWatchdog> watchdog;
  std::chrono::milliseconds poll_interval{5000};
  // Called on the feed's thread after the table moved, with every product whose revision changed
  // (set before construction; may be empty). Not called for the first load of the table.
  std::function<void(std::span<const RevisionChange>)> on_changes;
  // Called with a one-line event name and detail for the host's log (may be empty).
  std::function<void(std::string_view event, std::string_view detail)> log;
};

// What a host asks of its revision table, as an interface: ChangeFeed in production, a fake in
// the unit tests of http::Service (tests/unit/http/service_test.cpp).
class Revisions {
 public:
  virtual ~Revisions() = default;
  // True once every revision was loaded; before that, revision() knows nothing.
  virtual bool ready() const = 0;
  // 0 = no such product (or not ready).
  virtual std::uint64_t revision(std::int64_t product_id) const = 0;
  virtual std::size_t products() const = 0;
  // The newest publish applied, and the newest one that changed any product (list pages are
  // keyed by it).
  virtual std::int64_t last_publish() const = 0;
  virtual std::int64_t list_revision() const = 0;
  virtual std::int64_t dataset_version() const = 0;
  virtual bool listening() const = 0;
  // Publishes applied, and full re-reads of the table, since start (for /metrics).
  virtual std::uint64_t publishes_applied() const = 0;
  virtual std::uint64_t full_reloads() const = 0;
};

class ChangeFeed final : public Revisions {
 public:
  explicit ChangeFeed(ChangeFeedOptions options);
  ~ChangeFeed() override;  // stops and joins the thread
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  bool ready() const override { return ready_.load(std::memory_order_acquire); }
  std::uint64_t revision(std::int64_t product_id) const override { return table_.get(product_id); }
  std::size_t products() const override { return table_.size(); }
  std::int64_t last_publish() const override {
    return last_publish_.load(std::memory_order_acquire);
  }
  std::int64_t list_revision() const override {
    return list_revision_.load(std::memory_order_acquire);
  }
  std::int64_t dataset_version() const override {
    return dataset_version_.load(std::memory_order_acquire);
  }
  bool database_reachable() const { return reachable_.load(std::memory_order_acquire); }
  bool listening() const override { return listening_.load(std::memory_order_acquire); }
  std::uint64_t publishes_applied() const override {
    return applied_.load(std::memory_order_relaxed);
  }
  std::uint64_t full_reloads() const override { return reloads_.load(std::memory_order_relaxed); }

  // Wakes the thread to look for new publishes now (tests; the NOTIFY does this in production).
  void poke();

 private:
  void loop();

  ChangeFeedOptions options_;
  RevisionTable table_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> reachable_{false};
  std::atomic<bool> listening_{false};
  std::atomic<std::int64_t> last_publish_{0};
  std::atomic<std::int64_t> list_revision_{0};
  std::atomic<std::int64_t> dataset_version_{0};
  std::atomic<std::uint64_t> applied_{0};
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> poked_{false};
  std::thread thread_;
};

}  // namespace atelier::catalog
