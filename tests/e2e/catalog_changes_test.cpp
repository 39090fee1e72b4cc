// Catalog changes seen from outside (issue "catalog changes without a cold cache"): real hosts,
// NGINX, Redis and PostgreSQL started by scripts/test; tomorrow's catalog made by
// `atelier-gen --mutate-from`, applied as a partial update (`atelier-etl --update`) and as a full
// load. The suite restores the original catalog when it ends, so later tests see it again.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <vector>

#include "cache/cache_key.hpp"
#include "cache/entry.hpp"
#include "catalog_control.hpp"
#include "http_client.hpp"
#include "polling.hpp"
#include "stack_control.hpp"
#include "test_redis.hpp"

namespace atelier::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<std::string> hosts() {
  return {required_env("HOST1_URL"), required_env("HOST2_URL"), required_env("HOST3_URL")};
}

std::string etag_of(const std::string& host, const std::string& target) {
  return http_get(host, target).header("etag").value_or("");
}

std::int64_t db_count(const std::string& sql) {
  pqxx::connection db(required_env("DATABASE_URL"));
  pqxx::nontransaction tx(db);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

// The newest publish (a load's or an update's).
std::int64_t last_publish() {
  return db_count("SELECT max(id) FROM atelier.publishes");
}

std::string scratch(const std::string& name) {
  return required_env("ATELIER_STACK_DIR") + "/changes-" + name;
}

class CatalogChanges : public ::testing::Test {
 protected:
  // Every test starts from the original catalog, and the suite leaves it so.
  static void TearDownTestSuite() {
    EXPECT_EQ(full_load(required_env("ATELIER_DATA_DIR")), 0);
    wait_for_publish(hosts(), last_publish());
  }
  void SetUp() override { ASSERT_EQ(full_load(required_env("ATELIER_DATA_DIR")), 0); }
};

TEST_F(CatalogChanges, AChangedProductIsNewOnEveryHostWithinOneSecondAndOthersKeepTheirETags) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("a"), 11);
  ASSERT_GE(c.changed.size(), 10u);
  // A few unchanged products, far from every change.
  std::set<std::int64_t> touched(c.changed.begin(), c.changed.end());
  touched.insert(c.deleted.begin(), c.deleted.end());
  touched.insert(c.dangling.begin(), c.dangling.end());
  Ids unchanged;
  for (std::int64_t id = 2; unchanged.size() < 8; id += 7) {
    if (!touched.contains(id)) unchanged.push_back(id);
  }
  const Ids changed(c.changed.begin(), c.changed.begin() + 6);
  std::map<std::pair<std::string, std::int64_t>, std::string> before;
  for (const auto& host : hosts()) {
    for (const auto id : changed)
      before[std::make_pair(host, id)] = etag_of(host, "/products/" + std::to_string(id));
    for (const auto id : unchanged) {
      for (const char* suffix : {"", "/styles", "/related"}) {
        const auto target = "/products/" + std::to_string(id) + suffix;
        before[std::make_pair(host, id * 10 + static_cast<int>(std::string(suffix).size()))] =
            etag_of(host, target);
      }
    }
  }

  const auto start = Clock::now();
  ASSERT_EQ(apply_update(scratch("a") + "/update"), 0);
  const auto published = Clock::now();
  // Every host serves every changed product's new body within a second of the publish.
  for (const auto& host : hosts()) {
    for (const auto id : changed) {
      const std::string target = "/products/" + std::to_string(id);
      std::string now = etag_of(host, target);
      while (now == before[std::make_pair(host, id)] && Clock::now() - published < 1s) {
        std::this_thread::sleep_for(10ms);
        now = etag_of(host, target);
      }
      EXPECT_NE(now, before[std::make_pair(host, id)])
          << host << target << " still old 1 s after the publish";
      // A browser holding the old ETag gets the new body.
      EXPECT_EQ(
          http_get(host, target, {{"If-None-Match", before[std::make_pair(host, id)]}}).status,
          200);
    }
  }
  std::cout << "[ changes  ] update applied and served by 3 hosts in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
            << " ms\n";
  // The others keep byte-identical bodies, so identical ETags and 304s.
  for (const auto& host : hosts()) {
    for (const auto id : unchanged) {
      for (const char* suffix : {"", "/styles", "/related"}) {
        const auto target = "/products/" + std::to_string(id) + suffix;
        const auto& etag =
            before[std::make_pair(host, id * 10 + static_cast<int>(std::string(suffix).size()))];
        EXPECT_EQ(etag_of(host, target), etag) << host << target;
        EXPECT_EQ(http_get(host, target, {{"If-None-Match", etag}}).status, 304) << target;
      }
    }
  }
}

TEST_F(CatalogChanges, AFullLoadOfTomorrowsCatalogChangesExactlyWhatAnUpdateWould) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("b"), 12);
  const std::int64_t products = db_count("SELECT count(*) FROM catalog.products");
  ASSERT_EQ(full_load(scratch("b")), 0);
  // The load lists exactly the changed, added and deleted products, and the ones whose related
  // lists lost a deleted product.
  const std::int64_t publish = last_publish();
  EXPECT_EQ(db_count("SELECT changed FROM atelier.publishes WHERE id = " + std::to_string(publish)),
            static_cast<std::int64_t>(c.changed.size() + c.dangling.size()));
  EXPECT_EQ(db_count("SELECT added FROM atelier.publishes WHERE id = " + std::to_string(publish)),
            static_cast<std::int64_t>(c.added.size()));
  EXPECT_EQ(db_count("SELECT deleted FROM atelier.publishes WHERE id = " + std::to_string(publish)),
            static_cast<std::int64_t>(c.deleted.size()));
  EXPECT_EQ(db_count("SELECT count(*) FROM catalog.products"),
            products + static_cast<std::int64_t>(c.added.size() - c.deleted.size()));
  // Back to today, then the same changes as an update: the full load after it finds nothing new.
  ASSERT_EQ(full_load(required_env("ATELIER_DATA_DIR")), 0);
  ASSERT_EQ(apply_update(scratch("b") + "/update"), 0);
  ASSERT_EQ(full_load(scratch("b")), 0);
  EXPECT_EQ(db_count("SELECT changed + added + deleted FROM atelier.publishes ORDER BY id DESC "
                     "LIMIT 1"),
            0);
}

TEST_F(CatalogChanges, ADeletedProductIs404EverywhereWithNoCacheEntriesOrRelatedMentions) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("c"), 13);
  ASSERT_FALSE(c.deleted.empty());
  ASSERT_FALSE(c.dangling.empty());
  const std::int64_t gone = c.deleted.front();
  const std::string id = std::to_string(gone);
  for (const auto& host : hosts()) {
    for (const char* suffix : {"", "/styles", "/related"}) {
      ASSERT_EQ(http_get(host, "/products/" + id + suffix).status, 200);
    }
  }
  // Its bodies under the keys of its current revision, in Redis whichever tier answered above
  // (a host that answered from its in-process tier stored nothing there).
  const auto revision = static_cast<std::uint64_t>(
      db_count("SELECT revision FROM catalog.products WHERE id = " + id));
  auto conn = redis();
  std::vector<std::string> cached;
  for (const auto body : cache::kProductBodies) {
    cached.push_back(cache::CacheKey::body(body, gone, revision));
    ASSERT_TRUE(conn.set(cached.back(), cache::encode_entry({200, "\"old\"", "{}"}),
                         std::chrono::seconds(60))
                    .ok());
  }
  ASSERT_EQ(apply_update(scratch("c") + "/update"), 0);
  ASSERT_TRUE(wait_for_publish(hosts(), last_publish()));
  for (const auto& host : hosts()) {
    for (const char* suffix : {"", "/styles", "/related"}) {
      const auto r = http_get(host, "/products/" + id + suffix);
      EXPECT_EQ(r.status, 404) << host << suffix;
      EXPECT_NE(r.body.find("\"error\""), std::string::npos);
    }
  }
  // A host forgets the keys of a change's old revision right after it applies the publish: wait
  // for that, then no key of any revision of the product is left.
  EXPECT_TRUE(eventually([&] {
    return std::none_of(cached.begin(), cached.end(),
                        [&](const std::string& key) { return conn.get(key).ok(); });
  })) << "the deleted product's cached bodies are still in Redis";
  for (const auto body : cache::kProductBodies) {
    EXPECT_EQ(conn.unlink_matching(cache::CacheKey::body_pattern(body, gone)).value, 0)
        << "entries of a deleted product are left in Redis";
  }
  // Nobody's related list names a deleted product any more.
  for (const auto referrer : c.dangling) {
    const auto related =
        http_get(required_env("API_URL"), "/products/" + std::to_string(referrer) + "/related");
    ASSERT_EQ(related.status, 200);
    for (const auto deleted : c.deleted) {
      const std::string needle = std::to_string(deleted);
      const std::string& body = related.body;
      for (std::size_t at = body.find(needle); at != std::string::npos;
           at = body.find(needle, at + 1)) {
        const bool starts = body[at - 1] == '[' || body[at - 1] == ',';
        const char after = body[at + needle.size()];
        EXPECT_FALSE(starts && (after == ']' || after == ','))
            << referrer << " still names deleted " << deleted << ": " << body;
      }
    }
  }
  // Added products are served; the list pages count them.
  for (const auto added : c.added) {
    EXPECT_EQ(http_get(required_env("API_URL"), "/products/" + std::to_string(added)).status, 200);
  }
  EXPECT_EQ(db_count("SELECT count(*) FROM catalog.page_blocks b WHERE products_before <> "
                     "(SELECT count(*) FROM catalog.products p WHERE p.id < b.block * 1024)"),
            0);
  const std::int64_t count = db_count("SELECT count(*) FROM catalog.products");
  const auto last =
      http_get(required_env("API_URL"), "/products?page=" + std::to_string(count) + "&count=1");
  EXPECT_NE(last.body.find("\"id\":" + std::to_string(c.added.back())), std::string::npos)
      << last.body;
}

TEST_F(CatalogChanges, AnUpdateIsAtomicPerProductUnderConcurrentReads) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("d"), 14, 20);
  ASSERT_GE(c.changed.size(), 20u);
  const Ids watched(c.changed.begin(), c.changed.begin() + 20);
  const std::string api = required_env("API_URL");
  std::map<std::int64_t, std::string> old_bodies;
  for (const auto id : watched)
    old_bodies[id] = http_get(api, "/products/" + std::to_string(id) + "/styles").body;
  std::mutex mutex;
  std::map<std::int64_t, std::set<std::string>> seen;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  constexpr int kReaders = 4;
  std::latch reading(kReaders);  // every reader has had an answer before the update starts
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      bool first = true;
      for (std::size_t i = static_cast<std::size_t>(t); !done.load(); ++i) {
        const auto id = watched[i % watched.size()];
        const auto r = http_get(api, "/products/" + std::to_string(id) + "/styles");
        if (first) reading.count_down();
        first = false;
        if (r.status != 200) {
          failures.fetch_add(1);
          continue;
        }
        std::lock_guard lock(mutex);
        seen[id].insert(r.body);
      }
    });
  }
  reading.wait();
  ASSERT_EQ(apply_update(scratch("d") + "/update"), 0);
  EXPECT_TRUE(wait_for_publish(hosts(), last_publish()));
  std::map<std::int64_t, std::string> new_bodies;
  for (const auto id : watched)
    new_bodies[id] = http_get(api, "/products/" + std::to_string(id) + "/styles").body;
  // The readers go on until they have seen every product in its new form.
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return std::all_of(watched.begin(), watched.end(),
                       [&](std::int64_t id) { return seen[id].contains(new_bodies[id]); });
  })) << "the readers never saw every product's new body";
  done = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  // Each product was seen in its old form and then its new one: never anything in between.
  for (const auto id : watched) {
    const std::string& now = new_bodies[id];
    for (const auto& body : seen[id]) {
      EXPECT_TRUE(body == old_bodies[id] || body == now) << "product " << id << " mixed: " << body;
    }
  }
}

TEST_F(CatalogChanges, BadRowsAreReportedAndChangeNothingElse) {
  const std::string dir = scratch("e");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto p2 = http_get(required_env("API_URL"), "/products/2").body;
  const auto p3 = http_get(required_env("API_URL"), "/products/3").body;
  {
    std::ofstream out(dir + "/product.csv");
    out << "id,name,slogan,description,category,default_price\n"
        << "2,\"Renamed Two\",\"s\",\"d\",\"Jackets\",99\n"
        << "3,\"Three\",\"s\",\"d\",\"Jackets\",not-a-price\n";
  }
  {
    std::ofstream out(dir + "/features.csv");
    out << "id,product_id,feature,value\n"
        << "900001,999999999,\"Fabric\",\"Wool\"\n";  // no such product
  }
  ASSERT_EQ(apply_update(dir), 0);
  const std::int64_t publish = last_publish();
  EXPECT_EQ(db_count("SELECT count(*) FROM atelier.rejects WHERE publish_id = " +
                     std::to_string(publish) +
                     " AND ((file = 'product.csv' AND line = 3 AND reason = 'bad number in "
                     "default_price') OR (file = 'features.csv' AND line = 2 AND reason = "
                     "'missing product'))"),
            2);
  ASSERT_TRUE(wait_for_publish(hosts(), publish));
  const auto after2 = http_get(required_env("API_URL"), "/products/2").body;
  EXPECT_NE(after2.find("\"name\":\"Renamed Two\""), std::string::npos) << after2;
  EXPECT_NE(after2, p2);
  EXPECT_EQ(http_get(required_env("API_URL"), "/products/3").body, p3);
}

TEST_F(CatalogChanges, AHostThatMissedAnUpdateCatchesUpWhenItComesBack) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("f"), 15);
  const std::string host3 = required_env("HOST3_URL");
  const std::string port = host3.substr(host3.rfind(':') + 1);
  const std::int64_t id = c.changed.front();
  const std::string target = "/products/" + std::to_string(id);
  const std::string before = etag_of(host3, target);
  ASSERT_EQ(stack_control({"host", "stop", "3"}), 0);
  ASSERT_EQ(apply_update(scratch("f") + "/update"), 0);
  ASSERT_EQ(stack_control({"host", "start", "3", port}), 0);
  std::string now = etag_of(host3, target);
  for (int i = 0; i < 100 && now == before; ++i) {
    std::this_thread::sleep_for(20ms);
    now = etag_of(host3, target);
  }
  EXPECT_NE(now, before);
  EXPECT_EQ(now, etag_of(required_env("HOST1_URL"), target));
  // And a host that stayed up but lost its LISTEN connection catches up by its poll: kill the
  // hosts' listening backends, publish, and wait for the poll (ATELIER_CHANGE_POLL_MS, 1 s here).
  {
    // Only a superuser may end another role's backends: over the unix socket, the only way in
    // for postgres (peer authentication, scripts/lib/stack.sh).
    pqxx::connection db(required_env("PG_PRIMARY_ADMIN_URL"));
    pqxx::nontransaction tx(db);
    const auto ended = tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
        "'atelier-api-listen'");
    EXPECT_EQ(ended.size(), 3u) << "one LISTEN connection per host";
  }
  const CatalogMutation next = mutate_catalog(scratch("f"), scratch("g"), 16);
  const std::string target2 = "/products/" + std::to_string(next.changed.front());
  const std::string before2 = etag_of(host3, target2);
  ASSERT_EQ(apply_update(scratch("g") + "/update"), 0);
  std::string now2 = etag_of(host3, target2);
  for (int i = 0; i < 150 && now2 == before2; ++i) {
    std::this_thread::sleep_for(20ms);
    now2 = etag_of(host3, target2);
  }
  EXPECT_NE(now2, before2) << "a host without its LISTEN connection never caught up";
}

TEST_F(CatalogChanges, AReloadAndAnUpdateRacingLeaveOneConsistentState) {
  const CatalogMutation c = mutate_catalog(required_env("ATELIER_DATA_DIR"), scratch("h"), 17);
  std::atomic<int> load_rc{-1};
  std::thread load([&] { load_rc = full_load(required_env("ATELIER_DATA_DIR")); });
  const int update_rc = apply_update(scratch("h") + "/update");
  load.join();
  EXPECT_EQ(load_rc.load(), 0);
  EXPECT_EQ(update_rc, 0);
  // One after the other (the catalog lock), whichever came first: the state is whole.
  EXPECT_EQ(db_count("SELECT count(*) FROM catalog.products p LEFT JOIN "
                     "(SELECT schema_name FROM atelier.datasets WHERE state = 'active') d ON true "
                     "WHERE p.revision = 0"),
            0);
  const std::int64_t version = db_count("SELECT version FROM catalog.dataset");
  EXPECT_EQ(db_count("SELECT count(*) FROM atelier_v" + std::to_string(version) + ".product_state"),
            db_count("SELECT count(*) FROM catalog.products"));
  EXPECT_EQ(db_count("SELECT count(*) FROM catalog.page_blocks b WHERE products_before <> "
                     "(SELECT count(*) FROM catalog.products p WHERE p.id < b.block * 1024)"),
            0);
  // Every host agrees with the database on what it serves.
  const std::int64_t last = last_publish();
  ASSERT_TRUE(wait_for_publish(hosts(), last));
  for (const auto& host : hosts()) EXPECT_EQ(served_publish(host), last) << host;
  for (const auto id : Ids{c.changed.front(), c.changed.back(), 7}) {
    const std::string target = "/products/" + std::to_string(id);
    const auto etag = etag_of(required_env("HOST1_URL"), target);
    EXPECT_EQ(etag_of(required_env("HOST2_URL"), target), etag);
    EXPECT_EQ(etag_of(required_env("HOST3_URL"), target), etag);
  }
}

}  // namespace
}  // namespace atelier::testing
