#include "catalog/change_feed.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/publish_log.hpp"
#include "schema/channel.hpp"

namespace atelier::catalog {

namespace {

using Clock = std::chrono::steady_clock;

// How long one wait for a notification lasts: the longest a stop or poke() waits.
constexpr long kWaitMicros = 100'000;
constexpr auto kRetryPause = std::chrono::milliseconds(500);

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, std::atomic<bool>& flag)
      : pqxx::notification_receiver(connection, schema::kCatalogChannel), flag_(flag) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override {
    flag_.store(true, std::memory_order_release);
  }

 private:
  std::atomic<bool>& flag_;
};

// A LISTENing connection: the receiver registers (LISTEN) in its constructor.
struct Listener {
  Listener(const std::string& conninfo, std::atomic<bool>& flag)
      : connection(conninfo), receiver(connection, flag) {}
  pqxx::connection connection;
  Receiver receiver;
};

}  // namespace

ChangeFeed::ChangeFeed(ChangeFeedOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { loop(); });
}

ChangeFeed::~ChangeFeed() {
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

void ChangeFeed::poke() {
  poked_.store(true, std::memory_order_release);
}

void ChangeFeed::loop() {
  PublishLogReader reader{
      options_.read_endpoints
          ? std::make_shared<Database>(options_.read_endpoints, options_.watchdog)
          : std::make_shared<Database>(options_.read_conninfo, options_.watchdog)};
  std::atomic<bool> notified{false};  // set by the listener's receiver (declared after it)
  std::unique_ptr<Listener> listener;
  auto next_listen_attempt = Clock::now();
  auto next_poll = Clock::now();
  bool catch_up = true;
  bool load_failing = false;  // the last revision load failed (logged once per streak)
  const auto log = [this](std::string_view event, std::string_view detail) {
    if (options_.log) options_.log(event, detail);
  };

  // Every revision, in one snapshot. After the first time, the products whose revision moved
  // (or that appeared or went) are reported like the changes of a publish.
  const auto reload = [&]() -> bool {
    const auto started = Clock::now();
    auto snapshot = reader.revisions();
    if (!snapshot.ok()) {
      reachable_.store(false, std::memory_order_release);
      // Once per streak of failures: a database down at start would log it every retry.
      if (!load_failing) log("revisions_load_failed", snapshot.error().detail);
      load_failing = true;
      return false;
    }
    load_failing = false;
    reachable_.store(true, std::memory_order_release);
    auto& rows = snapshot.value().revisions;
    // The table's scan order is id order after a load: then there is nothing to sort.
    if (!std::is_sorted(rows.begin(), rows.end())) std::sort(rows.begin(), rows.end());
    // The first load fills an empty table (nothing else writes it before this thread is ready)
    // and reports no changes: a start skips collecting a change per product and looking for ones
    // that went, which on the full catalog is a million of each, while the host waits to serve.
    const bool initial = !ready_.load(std::memory_order_acquire);
    std::vector<RevisionChange> changes;
    for (const auto& [id, revision] : rows) {
      const std::uint64_t previous = table_.set(id, revision);
      if (!initial && previous != revision) changes.push_back({id, previous, revision});
    }
    if (!initial) {
      std::vector<std::int64_t> gone;
      table_.for_each([&](std::int64_t id, std::uint64_t) {
        const auto it =
            std::lower_bound(rows.begin(), rows.end(), std::make_pair(id, std::uint64_t{0}));
        if (it == rows.end() || it->first != id) gone.push_back(id);
      });
      for (const std::int64_t id : gone) changes.push_back({id, table_.set(id, 0), 0});
    }
    last_publish_.store(snapshot.value().last_publish, std::memory_order_release);
    list_revision_.store(snapshot.value().list_revision, std::memory_order_release);
    if (auto version = reader.dataset_version(); version.ok()) {
      dataset_version_.store(version.value(), std::memory_order_release);
    }
    ready_.store(true, std::memory_order_release);
    reloads_.fetch_add(1, std::memory_order_relaxed);
    log("revisions_loaded",
        "products=" + std::to_string(rows.size()) +
            " publish=" + std::to_string(snapshot.value().last_publish) + " seconds=" +
            std::to_string(std::chrono::duration<double>(Clock::now() - started).count()));
    if (!initial && options_.on_changes && !changes.empty()) options_.on_changes(changes);
    return true;
  };

  // The publishes after the last one applied, one by one; false when the database did not answer.
  const auto apply_new_publishes = [&]() -> bool {
    const std::int64_t last = last_publish_.load(std::memory_order_acquire);
    auto found = reader.publishes_since(last);
    if (!found.ok()) {
      reachable_.store(false, std::memory_order_release);
      return false;
    }
    reachable_.store(true, std::memory_order_release);
    auto& publishes = found.value().publishes;
    if (publishes.empty()) return true;
    // Publishes we never saw were trimmed from the log, or one is too large to list: re-read all.
    if (found.value().oldest_kept > last + 1 && last > 0) return reload();
    for (const auto& p : publishes) {
      if (!p.listed) return reload();
    }
    std::vector<RevisionChange> changes;
    for (const auto& p : publishes) {
      for (const auto& [id, revision] : p.changes) {
        const std::uint64_t previous = table_.set(id, revision);
        if (previous != revision) changes.push_back({id, previous, revision});
      }
      dataset_version_.store(p.dataset_version, std::memory_order_release);
      if (p.change_count > 0) list_revision_.store(p.id, std::memory_order_release);
      last_publish_.store(p.id, std::memory_order_release);
      applied_.fetch_add(1, std::memory_order_relaxed);
    }
    log("publishes_applied", "through=" + std::to_string(publishes.back().id) +
                                 " products=" + std::to_string(changes.size()));
    if (options_.on_changes && !changes.empty()) options_.on_changes(changes);
    return true;
  };

  while (!stopping_.load(std::memory_order_acquire)) {
    const auto now = Clock::now();
    if (!listener && now >= next_listen_attempt) {
      try {
        listener = std::make_unique<Listener>(options_.listen_conninfo, notified);
        listening_.store(true, std::memory_order_release);
        catch_up = true;  // anything published while we were not listening
      } catch (const std::exception& e) {
        listening_.store(false, std::memory_order_release);
        next_listen_attempt = now + kRetryPause;
      }
    }
    if (!ready_.load(std::memory_order_acquire)) {
      if (!reload()) {
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      catch_up = false;
      next_poll = Clock::now() + options_.poll_interval;
    }
    if (catch_up || notified.exchange(false, std::memory_order_acq_rel) ||
        poked_.exchange(false, std::memory_order_acq_rel) || now >= next_poll) {
      catch_up = !apply_new_publishes();
      next_poll = Clock::now() + (catch_up ? kRetryPause : options_.poll_interval);
    }
    if (listener) {
      try {
        listener->connection.await_notification(0, kWaitMicros);
      } catch (const std::exception& e) {
        log("change_listener_lost", e.what());
        listener.reset();
        listening_.store(false, std::memory_order_release);
        next_listen_attempt = Clock::now() + kRetryPause;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(kWaitMicros));
    }
  }
}

}  // namespace atelier::catalog
