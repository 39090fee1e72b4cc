// Read endpoints against a real hot standby (issue 13, "Beyond one machine"): scripts/test starts a
// streaming replica of the test PostgreSQL (scripts/lib/stack.sh pg_standby_start); each test here
// starts two more atelier-api hosts with ATELIER_READ_DATABASE_URLS = that standby (no Redis, so
// what they serve comes from their own reads):
//   host 4 (READ_HOST_PORTS[0]) ATELIER_REPLICA_MAX_LAG_MS = 10 min: stays on a paused standby;
//   host 5 (READ_HOST_PORTS[1]) ATELIER_REPLICA_MAX_LAG_MS = 1 s: skips a standby that lags.
// Waits have generous deadlines; nothing asserts how fast a state is reached.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "background_load.hpp"
#include "cart_client.hpp"
#include "catalog_control.hpp"
#include "http_client.hpp"
#include "metrics_text.hpp"
#include "polling.hpp"
#include "session/session_key.hpp"
#include "stack_control.hpp"

namespace atelier::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 30s;

std::string sql_text(const std::string& url, const std::string& sql) {
  pqxx::connection db(url);
  pqxx::nontransaction tx(db);
  const pqxx::result r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
}

std::string standby_sql(const std::string& sql) {
  return sql_text(required_env("PG_STANDBY_ADMIN_URL"), sql);
}

std::string primary_sql(const std::string& sql) {
  return sql_text(required_env("PG_PRIMARY_ADMIN_URL"), sql);
}

// True as soon as `done` is; false after kDeadline. An exception (a database restarting) is a
// "not yet".
bool eventually(const std::function<bool()>& done) {
  return testing::eventually(
      [&] {
        try {
          return done();
        } catch (const std::exception&) {
          return false;
        }
      },
      kDeadline, 50ms);
}

std::vector<std::string> read_host_ports() {
  std::istringstream in(required_env("READ_HOST_PORTS"));
  std::vector<std::string> ports;
  for (std::string port; in >> port;) ports.push_back(port);
  return ports;
}

std::string read_host(std::size_t index) {
  const auto ports = read_host_ports();
  return ports.size() > index ? "http://127.0.0.1:" + ports[index] : "http://127.0.0.1:1";
}

std::string standby_label() {
  return "127.0.0.1:" + required_env("PG_STANDBY_PORT");
}
std::string primary_label() {
  return "127.0.0.1:" + required_env("PG_PORT");
}

// The host's /readyz: HTTP status, last publish applied and its read endpoints by label.
struct Endpoint {
  std::string state;
  bool replica = false;
  double lag_seconds = 0;
  bool preferred = false;
};
struct Readiness {
  int status = 0;
  std::int64_t last_publish = -1;
  std::map<std::string, Endpoint> endpoints;
  std::string body;

  std::string preferred() const {
    for (const auto& [label, e] : endpoints) {
      if (e.preferred) return label;
    }
    return "";
  }
};

Readiness readiness(const std::string& host) {
  const HttpResponse r = http_get(host, "/readyz");
  Readiness out;
  out.status = r.status;
  out.body = r.body;
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  if (doc.HasMember("publish") && doc["publish"].IsInt64()) {
    out.last_publish = doc["publish"].GetInt64();
  }
  if (!doc.HasMember("read_endpoints") || !doc["read_endpoints"].IsArray()) return out;
  for (const auto& e : doc["read_endpoints"].GetArray()) {
    out.endpoints[e["endpoint"].GetString()] = {e["state"].GetString(), e["replica"].GetBool(),
                                                e["lag_seconds"].GetDouble(),
                                                e["preferred"].GetBool()};
  }
  return out;
}

bool prefers(const std::string& host, const std::string& label) {
  const Readiness r = readiness(host);
  return r.status == 200 && r.preferred() == label;
}

// Everything the primary wrote so far (a commit included, so the replica has a replay
// timestamp) has been replayed by the standby.
bool standby_caught_up() {
  const std::string lsn = primary_sql("SELECT pg_current_wal_lsn() FROM (SELECT txid_current()) t");
  return standby_sql("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn") == "t";
}

// A product read (the detail statement, kProductDetails) ran on the standby from an atelier-api
// backend: the replica's own view of its clients, which no host on the primary can produce.
bool standby_served_a_product_read() {
  return standby_sql(
             "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'atelier-api'"
             " AND query LIKE '%p.slogan AS t2%'") != "0";
}

// Pauses the standby's replay for its lifetime (resumed even when the test fails).
class ReplayPause {
 public:
  ReplayPause() {
    standby_sql("SELECT pg_wal_replay_pause()");
    paused_ = eventually(
        [] { return standby_sql("SELECT pg_get_wal_replay_pause_state()") == "paused"; });
  }
  ~ReplayPause() { resume(); }
  ReplayPause(const ReplayPause&) = delete;
  ReplayPause& operator=(const ReplayPause&) = delete;
  bool paused() const { return paused_; }
  void resume() {
    if (resumed_) return;
    resumed_ = true;
    try {
      standby_sql("SELECT pg_wal_replay_resume()");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not resume the standby's replay: " << e.what();
    }
  }

 private:
  bool paused_ = false;
  bool resumed_ = false;
};

class ReadReplica : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A stopped standby left by a failed test: back up first.
    ASSERT_EQ(stack_control({"standby", "start"}), 0);
    const std::string replica = "ATELIER_READ_DATABASE_URLS=" + required_env("PG_STANDBY_URL");
    const auto ports = read_host_ports();
    ASSERT_EQ(ports.size(), 2u) << "READ_HOST_PORTS";
    const char* max_lag_ms[] = {"600000", "1000"};
    for (std::size_t i = 0; i < 2; ++i) {
      // No Redis (--no-cache) and no in-process tier: every body these hosts serve, they read
      // themselves, however long a test runs (with the in-process tier on, a load that has walked
      // the whole catalog reads nothing more, so a test waiting for a read on the restarted
      // standby can wait in vain).
      ASSERT_EQ(stack_control({"host", "start", std::to_string(4 + i), ports[i], "--no-cache",
                               replica, "ATELIER_LOCAL_CACHE_MB=0",
                               std::string("ATELIER_REPLICA_MAX_LAG_MS=") + max_lag_ms[i],
                               "ATELIER_REPLICA_CHECK_MS=200", "ATELIER_CHANGE_POLL_MS=1000",
                               // Longer than the query watchdog (statement timeout + 1 s), so a
                               // read cut on a frozen standby has time to move to the primary
                               // rather than end in the database workers' 503.
                               "ATELIER_DB_DEADLINE_MS=10000", "ATELIER_THREADS=4"}),
                0);
    }
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(stack_control({"host", "stop", "4"}), 0);
    EXPECT_EQ(stack_control({"host", "stop", "5"}), 0);
  }
  void SetUp() override {
    ASSERT_TRUE(eventually(standby_caught_up)) << "the standby does not catch up";
    for (std::size_t i = 0; i < 2; ++i) {
      ASSERT_TRUE(eventually([&] { return prefers(read_host(i), standby_label()); }))
          << read_host(i) << " does not read from the standby: " << readiness(read_host(i)).body;
    }
  }
};

TEST_F(ReadReplica, AHostReadsTheCatalogFromTheStandbyAndSaysSoInReadyzAndMetrics) {
  const std::string host = read_host(0);
  const Readiness ready = readiness(host);
  ASSERT_EQ(ready.endpoints.size(), 2u) << ready.body;
  const Endpoint& standby = ready.endpoints.at(standby_label());
  EXPECT_EQ(standby.state, "up");
  EXPECT_TRUE(standby.replica);
  EXPECT_TRUE(standby.preferred);
  const Endpoint& primary = ready.endpoints.at(primary_label());
  EXPECT_EQ(primary.state, "up");
  EXPECT_FALSE(primary.replica);
  EXPECT_FALSE(primary.preferred);

  const std::string id = primary_sql("SELECT min(id) + 11 FROM catalog.products");
  const HttpResponse product = http_get(host, "/products/" + id);
  ASSERT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(product.body, http_get(required_env("HOST1_URL"), "/products/" + id).body);
  EXPECT_TRUE(standby_served_a_product_read());

  const std::string on_standby = "{endpoint=\"" + standby_label() + "\"}";
  const std::string on_primary = "{endpoint=\"" + primary_label() + "\"}";
  EXPECT_EQ(metric(host, "atelier_db_read_endpoint_preferred" + on_standby), 1.0);
  EXPECT_EQ(metric(host, "atelier_db_read_endpoint_preferred" + on_primary), 0.0);
  EXPECT_EQ(metric(host, "atelier_db_read_endpoint_up" + on_standby), 1.0);
  EXPECT_EQ(metric(host, "atelier_db_read_endpoint_up" + on_primary), 1.0);
  const auto lag = scrape(host, "atelier_db_replica_lag_seconds" + on_standby);
  ASSERT_TRUE(lag.has_value());
  EXPECT_GE(*lag, 0.0);
  EXPECT_LT(*lag, 1.0);  // caught up (SetUp): no WAL waiting to be replayed
}

TEST_F(ReadReplica, CartWritesGoToThePrimaryAndASessionReadsItsOwnWriteWhileReplayIsPaused) {
  const std::string host = read_host(0);
  const std::string sku = primary_sql("SELECT min(id) FROM catalog.skus");
  const std::string session = "replica-" + std::to_string(Clock::now().time_since_epoch().count());
  ReplayPause pause;
  ASSERT_TRUE(pause.paused());
  const HttpResponse added = cart_add(host, session, std::stoll(sku));
  ASSERT_EQ(added.status, 201) << added.body;
  const HttpResponse cart = http_get(host, "/cart", {{"Authorization", session}});
  ASSERT_EQ(cart.status, 200) << cart.body;
  EXPECT_EQ(cart.body, cart_of_one(std::stoll(sku), 1));
  // The database holds the session's keyed hash only (docs/SECURITY.md).
  std::ifstream secret_file(required_env("ATELIER_STACK_DIR") + "/session-secret");
  std::string secret;
  std::getline(secret_file, secret);
  const std::string count_rows = "SELECT count(*) FROM atelier.cart WHERE session_key = '" +
                                 atelier::session::hmac_sha256_hex(secret, session) + "'";
  EXPECT_EQ(primary_sql(count_rows), "1");
  // The standby has not replayed the row the host just read back: the read was not its.
  EXPECT_EQ(standby_sql(count_rows), "0");
  // The catalog is still read from the paused standby meanwhile.
  EXPECT_TRUE(prefers(host, standby_label())) << readiness(host).body;
  pause.resume();
  EXPECT_TRUE(eventually([&] { return standby_sql(count_rows) == "1"; }));
}

TEST_F(ReadReplica, WithTheStandbyStoppedReadsFallBackToThePrimaryWithNo5xxAndReturnWhenItIsBack) {
  const std::string host = read_host(0);
  std::vector<std::string> ids;
  {
    pqxx::connection db(required_env("PG_PRIMARY_ADMIN_URL"));
    pqxx::nontransaction tx(db);
    for (const auto& row : tx.exec("SELECT id FROM catalog.products ORDER BY id")) {
      ids.emplace_back(row[0].c_str());
    }
  }
  ASSERT_GT(ids.size(), 100u);
  // Four clients, each walking its own quarter of the catalog through the three product bodies:
  // mostly first requests, so mostly reads from the database in use.
  const char* suffixes[] = {"", "/styles", "/related"};
  BackgroundLoad load(host, 4, [&](int thread, std::int64_t i) {
    const std::size_t at =
        (ids.size() / 4 * static_cast<std::size_t>(thread) + static_cast<std::size_t>(i / 3)) %
        ids.size();
    return "/products/" + ids[at] + suffixes[i % 3];
  });
  ASSERT_TRUE(eventually([&] { return load.requests() > 200; }));

  ASSERT_EQ(stack_control({"standby", "stop"}), 0);
  EXPECT_TRUE(eventually([&] { return prefers(host, primary_label()); })) << readiness(host).body;
  Readiness down = readiness(host);
  EXPECT_EQ(down.endpoints[standby_label()].state, "down") << down.body;
  const int at_fallback = load.requests();
  ASSERT_TRUE(eventually([&] { return load.requests() > at_fallback + 300; }));

  ASSERT_EQ(stack_control({"standby", "start"}), 0);
  EXPECT_TRUE(eventually([&] { return prefers(host, standby_label()); })) << readiness(host).body;
  // The restarted standby's own view: the host's readers are back on it.
  EXPECT_TRUE(eventually(standby_served_a_product_read));
  const int at_return = load.requests();
  ASSERT_TRUE(eventually([&] { return load.requests() > at_return + 100; }));
  load.stop();
  EXPECT_EQ(load.failures(), 0) << load.requests()
                                << " requests, first failure: " << load.first_failure();
}

// SIGSTOPs the standby's postmaster and its children for its lifetime (SIGCONT when it ends):
// a server that holds its connections open and never answers.
class StandbyFrozen {
 public:
  StandbyFrozen() {
    std::ifstream in(required_env("ATELIER_STACK_DIR") + "/pg-standby/data/postmaster.pid");
    int postmaster = 0;
    in >> postmaster;
    if (postmaster <= 0) return;
    pids_.push_back(postmaster);
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
      std::istringstream rest(line.substr(line.rfind(')') + 1));
      std::string state;
      int parent = 0;
      rest >> state >> parent;
      if (parent == postmaster) pids_.push_back(std::stoi(entry.path().filename().string()));
    }
    for (const int pid : pids_) ::kill(pid, SIGSTOP);
  }
  ~StandbyFrozen() {
    for (const int pid : pids_) ::kill(pid, SIGCONT);
  }
  StandbyFrozen(const StandbyFrozen&) = delete;
  StandbyFrozen& operator=(const StandbyFrozen&) = delete;
  std::size_t processes() const { return pids_.size(); }

 private:
  std::vector<int> pids_;
};

// Frozen, not gone: connections stay open, queries get no answer, new connections no greeting.
// Every request is still answered (from the primary), none waits for the standby to wake; the
// client's 20 s timeout is only there so that a hang fails the test instead of stalling it.
TEST_F(ReadReplica, WithTheStandbyFrozenRequestsMoveToThePrimaryInsteadOfHanging) {
  const std::string host = read_host(0);
  // Every worker thread of the host holds a connection to the standby (distinct products, so
  // each is a read).
  const std::string first = primary_sql("SELECT min(id) FROM catalog.products");
  std::int64_t next = std::stoll(first) + 100;
  for (int i = 0; i < 24; ++i) {
    ASSERT_EQ(http_get(host, "/products/" + std::to_string(next++)).status, 200);
  }
  std::vector<HttpResponse> answers(8);
  {
    StandbyFrozen frozen;
    ASSERT_GT(frozen.processes(), 3u);
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const std::string target = "/products/" + std::to_string(next++) + "/styles";
      clients.emplace_back(
          [&, i, target] { answers[i] = http_request(host, "GET", target, "", {}, 20000); });
    }
    for (auto& client : clients) client.join();
  }
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.error << answer.body;
  }
  // Awake again, the standby is used again.
  EXPECT_TRUE(eventually([&] { return prefers(host, standby_label()); })) << readiness(host).body;
}

// A standby made a moment ago has replayed no commit yet, so it has no replay timestamp to
// measure its lag from (pg_last_xact_replay_timestamp() is NULL). Behind the primary, its lag must
// still grow, so that the host that tolerates 1 s moves away.
TEST_F(ReadReplica, AFreshStandbyThatHasReplayedNoCommitYetIsSkippedWhenItFallsBehind) {
  const std::string skip = read_host(1);
  // A commit on the primary during the base backup (autovacuum) would give it one: try again.
  bool fresh = false;
  for (int attempt = 0; attempt < 3 && !fresh; ++attempt) {
    ASSERT_EQ(stack_control({"standby", "renew"}), 0);
    fresh = standby_sql("SELECT pg_last_xact_replay_timestamp() IS NULL") == "t";
  }
  ASSERT_TRUE(fresh) << "every new standby had replayed a commit";
  ReplayPause pause;
  ASSERT_TRUE(pause.paused());
  primary_sql("SELECT txid_current()");  // one commit the standby receives and cannot replay
  ASSERT_TRUE(eventually([] {
    return standby_sql("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()") == "t";
  }));
  // All three at once: the standby is reachable, its lag has grown past 1 s, and the host reads
  // the primary. (Checked together: right after the restart the host may briefly skip the
  // standby as unreachable, with lag 0, which is not what this test is about.)
  const std::string on_standby = "{endpoint=\"" + standby_label() + "\"}";
  EXPECT_TRUE(eventually([&] {
    const auto up = scrape(skip, "atelier_db_read_endpoint_up" + on_standby);
    const auto lag = scrape(skip, "atelier_db_replica_lag_seconds" + on_standby);
    return up == 1.0 && lag && *lag > 1.0 && prefers(skip, primary_label());
  })) << readiness(skip).body;
  pause.resume();
  EXPECT_TRUE(eventually([&] { return prefers(skip, standby_label()); })) << readiness(skip).body;
}

// Catalog ETags of some products on one host.
std::map<std::string, std::string> etags(const std::string& host,
                                         const std::vector<std::string>& targets) {
  std::map<std::string, std::string> out;
  for (const auto& target : targets) {
    const HttpResponse r = http_get(host, target);
    out[target] = std::to_string(r.status) + " " + r.header("etag").value_or("") + " " +
                  std::to_string(std::hash<std::string>{}(r.body));
  }
  return out;
}

TEST_F(ReadReplica, WhileReplayIsPausedAHostKeepsTheOldRevisionAndALaggingReplicaIsSkipped) {
  const std::string stay = read_host(0);  // max lag 10 min
  const std::string skip = read_host(1);  // max lag 1 s
  const std::string primary = required_env("HOST1_URL");
  const std::string scratch = required_env("ATELIER_STACK_DIR") + "/replica-update";
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch, 21);
  ASSERT_GE(c.changed.size(), 4u);
  std::vector<std::string> targets;
  for (std::size_t i = 0; i < 4; ++i) {
    for (const char* suffix : {"", "/styles"}) {
      targets.push_back("/products/" + std::to_string(c.changed[i]) + suffix);
    }
  }
  const auto before = etags(stay, targets);
  ASSERT_EQ(before, etags(primary, targets));
  ASSERT_EQ(before, etags(skip, targets));
  const std::int64_t publish_before = readiness(stay).last_publish;
  ASSERT_EQ(readiness(primary).last_publish, publish_before);

  {
    ReplayPause pause;
    ASSERT_TRUE(pause.paused());
    ASSERT_EQ(apply_update(scratch + "/update"), 0);
    // The primary's hosts move to the new revision...
    ASSERT_TRUE(eventually([&] { return etags(primary, targets) != before; }));
    const auto after = etags(primary, targets);
    // Every changed product's detail is new (its styles may not have changed).
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string detail = "/products/" + std::to_string(c.changed[i]);
      EXPECT_NE(after.at(detail), before.at(detail)) << detail;
    }
    // ...and so does the host whose standby is now too far behind: it reads the primary.
    EXPECT_TRUE(eventually([&] { return prefers(skip, primary_label()); })) << readiness(skip).body;
    EXPECT_TRUE(eventually([&] { return etags(skip, targets) == after; }));
    const auto lag =
        scrape(skip, "atelier_db_replica_lag_seconds{endpoint=\"" + standby_label() + "\"}");
    ASSERT_TRUE(lag.has_value());
    EXPECT_GT(*lag, 1.0);
    // The host that tolerates the lag stays on the standby and serves the old revision whole:
    // old bytes and ETags for every body, the old publish in /readyz, though it was notified.
    const Readiness paused = readiness(stay);
    EXPECT_EQ(paused.preferred(), standby_label()) << paused.body;
    EXPECT_EQ(paused.last_publish, publish_before);
    EXPECT_GT(readiness(primary).last_publish, publish_before);
    EXPECT_EQ(etags(stay, targets), before);
    pause.resume();
    // Replayed: the new revision, byte for byte what the primary's hosts serve.
    EXPECT_TRUE(eventually([&] { return etags(stay, targets) == after; }));
    // Its revision table follows within a poll (ATELIER_CHANGE_POLL_MS): these hosts read every
    // body from the database, so the bytes can turn new a moment before /readyz does.
    const std::int64_t publish_after = readiness(primary).last_publish;
    EXPECT_TRUE(eventually([&] { return readiness(stay).last_publish == publish_after; }))
        << readiness(stay).body;
  }
  // Caught up, the lagging host returns to the standby.
  EXPECT_TRUE(eventually([&] { return prefers(skip, standby_label()); })) << readiness(skip).body;
  // The original catalog for the tests after this one.
  EXPECT_EQ(full_load(required_env("ATELIER_DATA_DIR")), 0);
}

}  // namespace
}  // namespace atelier::testing
