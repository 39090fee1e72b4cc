// HotSet against the real Redis named by REDIS_URL: one host publishes the products its
// in-process tier served, another one starting fills its tier from that list before it says it
// is prefilled, with the bodies of the current revisions only.
#include "cache/hot_set.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"
#include "cache/redis_connection.hpp"
#include "cache/redis_options.hpp"

namespace atelier::cache {
namespace {

using namespace std::chrono_literals;

class HotSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // hiredis writes with write(2): a closed peer raises it
    const char* url = std::getenv("REDIS_URL");
    ASSERT_TRUE(url != nullptr && *url != '\0') << "REDIS_URL is not set";
    auto options = parse_redis_url(url);
    ASSERT_TRUE(options.has_value());
    options_.redis = *options;
    // Its own ids and list key: the suite's hosts publish the service's list meanwhile.
    const auto pid = static_cast<std::int64_t>(::getpid());
    base_ = 1'000'000'000 + pid % 100'000 * 1000;
    list_key_ = "atelier:test:hot:" + std::to_string(pid) + ":" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override {
    RedisConnection connection(*options_.redis);
    std::vector<std::string> keys = {list_key_, list_key_ + ":own"};
    for (std::int64_t id = base_; id < base_ + 50; ++id) {
      for (ProductBody body : kProductBodies) {
        for (std::uint64_t revision : {1u, 2u}) keys.push_back(CacheKey::body(body, id, revision));
      }
    }
    connection.unlink(keys);
  }
  HotSetOptions hot_options(const std::map<std::int64_t, std::uint64_t>& revisions) {
    HotSetOptions o;
    o.list_key = list_key_;
    o.publish_interval = 0ms;  // the tests publish by hand
    o.keys_per_read = 7;       // several reads per prefill
    o.revision_of = [revisions](std::int64_t id) {
      auto it = revisions.find(id);
      return it == revisions.end() ? std::uint64_t{0} : it->second;
    };
    o.revisions_ready = [] { return true; };
    return o;
  }
  static bool wait_prefilled(const HotSet& hot) { return hot.wait_prefilled(10s); }
  // `peer` serves products first..first+count-1 (their three bodies, revision 1).
  void serve(ReadThrough& peer, std::map<std::int64_t, std::uint64_t>& revisions,
             std::int64_t first, std::int64_t count) {
    for (std::int64_t id = first; id < first + count; ++id) {
      revisions[id] = 1;
      for (ProductBody kind : kProductBodies) peer.store(body(kind, id, 1));
    }
  }
  // What a serving host does every interval; returns the products it published.
  std::size_t publish(ReadThrough& peer, const std::map<std::int64_t, std::uint64_t>& revisions,
                      std::string file = {}) {
    HotSetOptions o = hot_options(revisions);
    o.prefill_timeout = 0ms;  // the peer is serving already
    o.list_file = std::move(file);
    return HotSet(peer, o).publish();
  }
  static Loaded body(ProductBody kind, std::int64_t id, std::uint64_t revision) {
    return Loaded{
        Entry{200, "\"e" + std::to_string(id) + "\"", "{\"id\":" + std::to_string(id) + "}"},
        CacheKey::body(kind, id, revision)};
  }

  CacheOptions options_;
  std::int64_t base_ = 0;
  std::string list_key_;
};

TEST_F(HotSetTest, AStartingHostFillsItsTierWithWhatAPeerServed) {
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough peer(options_, 1 << 20);
  serve(peer, revisions, base_, 20);
  EXPECT_EQ(publish(peer, revisions), 20u);
  ReadThrough starting(options_, 1 << 20);
  ASSERT_EQ(starting.local_entries(), 0u);
  HotSet hot(starting, hot_options(revisions));
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 60u);
  const PrefillReport report = hot.prefill_report();
  EXPECT_EQ(report.products_listed, 20u);
  EXPECT_EQ(report.entries_loaded, 60u);
  EXPECT_TRUE(report.complete);
  EXPECT_FALSE(report.from_file);
  // Served from the tier: no Redis read for these any more.
  const auto hits = starting.local_hits();
  EXPECT_EQ(starting.find(CacheKey::styles(base_ + 3, 1))->body,
            "{\"id\":" + std::to_string(base_ + 3) + "}");
  EXPECT_EQ(starting.local_hits(), hits + 1);
}

TEST_F(HotSetTest, OnlyCurrentRevisionsAreLoaded) {
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough peer(options_, 1 << 20);
  serve(peer, revisions, base_, 10);
  ASSERT_EQ(publish(peer, revisions), 10u);
  revisions[base_] = 2;        // changed since: its revision-1 bodies are not what it serves
  revisions.erase(base_ + 1);  // deleted since
  ReadThrough starting(options_, 1 << 20);
  HotSet hot(starting, hot_options(revisions));
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 24u);  // 8 products x 3 bodies
  const auto loaded = products_of_keys(starting.recent_keys(100));
  EXPECT_EQ(loaded.size(), 8u);
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), base_), 0);
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), base_ + 1), 0);
}

TEST_F(HotSetTest, EachPublishAddsThisHostsShareToTheFleetsList) {
  // NGINX hashes product URIs over the hosts: each serves its own share of the hot products.
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough first(options_, 1 << 20), second(options_, 1 << 20);
  serve(first, revisions, base_, 5);
  serve(second, revisions, base_ + 5, 5);
  EXPECT_EQ(publish(first, revisions), 5u);
  EXPECT_EQ(publish(second, revisions), 10u);  // its 5, then the first host's 5
  ReadThrough starting(options_, 1 << 20);
  HotSet hot(starting, hot_options(revisions));
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 30u);
}

TEST_F(HotSetTest, ANamedHostsSuccessorFillsItsTierWithThatHostsOwnBodiesOnly) {
  // NGINX hashes each body's URI: host A served the styles of products 0-9 and the detail of 0-4,
  // host B everything of 10-19. The fleet's list names all 20 products (60 bodies).
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough a(options_, 1 << 20), b(options_, 1 << 20);
  for (std::int64_t id = base_; id < base_ + 10; ++id) {
    revisions[id] = 1;
    a.store(body(ProductBody::styles, id, 1));
    if (id < base_ + 5) a.store(body(ProductBody::detail, id, 1));
  }
  serve(b, revisions, base_ + 10, 10);
  HotSetOptions named = hot_options(revisions);
  named.prefill_timeout = 0ms;
  named.own_list_key = list_key_ + ":own";
  EXPECT_EQ(HotSet(a, named).publish(), 10u);
  EXPECT_EQ(publish(b, revisions), 20u);  // B has no name: the fleet's list only
  revisions[base_ + 1] = 2;               // changed since: not its revision-1 bodies
  revisions.erase(base_ + 2);             // deleted since

  // A's successor (the same name) loads A's bodies, not the fleet's 60.
  ReadThrough successor(options_, 1 << 20);
  HotSetOptions start = hot_options(revisions);
  start.own_list_key = named.own_list_key;
  HotSet hot(successor, start);
  ASSERT_TRUE(wait_prefilled(hot));
  const PrefillReport report = hot.prefill_report();
  EXPECT_TRUE(report.own);
  EXPECT_EQ(report.bodies_listed, 15u);
  EXPECT_EQ(report.entries_loaded, 11u);  // 15 less base_+1 and base_+2, both bodies of each
  EXPECT_EQ(successor.local_entries(), 11u);
  EXPECT_TRUE(report.complete);
  const auto loaded = bodies_of_keys(successor.recent_keys(100));
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), BodyRef{ProductBody::styles, base_ + 9}), 1);
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), BodyRef{ProductBody::detail, base_ + 9}), 0);
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), BodyRef{ProductBody::styles, base_ + 10}), 0);

  // The successor publishes what it was asked for, never what its prefill brought: nothing asked
  // for leaves A's list as it was; one body asked for is its list.
  HotSetOptions successor_publishes = start;
  successor_publishes.prefill_timeout = 0ms;
  HotSet(successor, successor_publishes).publish();
  auto own_list = [&] {
    auto list = successor.get_shared(named.own_list_key);
    return decode_hot_bodies(list ? list->body : "", 100);
  };
  EXPECT_EQ(own_list().size(), 15u);
  ASSERT_TRUE(successor.find(CacheKey::styles(base_ + 7, 1)));
  HotSet(successor, successor_publishes).publish();
  EXPECT_EQ(own_list(), (std::vector<BodyRef>{{ProductBody::styles, base_ + 7}}));

  // A name whose list is gone (or never written) falls back to the fleet's list.
  RedisConnection(*options_.redis).unlink(std::vector<std::string>{named.own_list_key});
  ReadThrough fresh(options_, 1 << 20);
  HotSet fallback(fresh, start);
  ASSERT_TRUE(wait_prefilled(fallback));
  EXPECT_FALSE(fallback.prefill_report().own);
  EXPECT_EQ(fallback.prefill_report().products_listed, 20u);
  // B's 30 bodies, and of A's products (not base_+1, changed, nor base_+2, gone) the 11 in Redis.
  EXPECT_EQ(fresh.local_entries(), 41u);
}

TEST_F(HotSetTest, ARestartedRedisFallsBackToTheListFile) {
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough peer(options_, 1 << 20);
  serve(peer, revisions, base_, 4);
  const std::string file = ::testing::TempDir() + "hot-" + std::to_string(::getpid());
  EXPECT_EQ(publish(peer, revisions, file), 4u);
  RedisConnection(*options_.redis).unlink(std::vector<std::string>{list_key_});  // list lost
  ReadThrough starting(options_, 1 << 20);
  HotSetOptions o = hot_options(revisions);
  o.list_file = file;
  HotSet hot(starting, o);
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_TRUE(hot.prefill_report().from_file);
  EXPECT_EQ(starting.local_entries(), 12u);
  std::remove(file.c_str());
}

TEST_F(HotSetTest, NoListMeansPrefilledAtOnceWithNothing) {
  ReadThrough starting(options_, 1 << 20);
  HotSet hot(starting, hot_options({}));
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 0u);
  EXPECT_EQ(hot.prefill_report().products_listed, 0u);
  EXPECT_TRUE(hot.prefill_report().complete);
}

TEST_F(HotSetTest, WaitsForTheRevisionsBeforeItReadsTheList) {
  std::map<std::int64_t, std::uint64_t> revisions;
  ReadThrough peer(options_, 1 << 20);
  serve(peer, revisions, base_, 1);
  ASSERT_EQ(publish(peer, revisions), 1u);
  std::atomic<bool> ready{false};
  auto o = hot_options(revisions);
  o.revisions_ready = [&] { return ready.load(); };
  ReadThrough starting(options_, 1 << 20);
  HotSet hot(starting, o);
  // Not ready while the revisions are unknown, however long that takes.
  for (int i = 0; i < 20; ++i) {
    ASSERT_FALSE(hot.prefilled());
    std::this_thread::sleep_for(5ms);
  }
  ready = true;
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 3u);
}

TEST_F(HotSetTest, RevisionsThatNeverComeEndTheWaitAtItsTimeout) {
  // A database down at start: the host is not held back past the timeout.
  auto o = hot_options({{base_, 1}});
  o.revisions_ready = [] { return false; };
  o.revisions_timeout = 200ms;
  ReadThrough starting(options_, 1 << 20);
  HotSet hot(starting, o);
  ASSERT_TRUE(hot.wait_prefilled(10s));
  EXPECT_EQ(starting.local_entries(), 0u);
  EXPECT_FALSE(hot.prefill_report().complete);
}

TEST_F(HotSetTest, RedisDownEndsThePrefillInsteadOfHangingReadiness) {
  CacheOptions down;
  down.redis = parse_redis_url("redis://127.0.0.1:1");  // nothing listens there
  ReadThrough starting(down, 1 << 20);
  HotSet hot(starting, hot_options({{base_, 1}}));
  ASSERT_TRUE(wait_prefilled(hot));
  EXPECT_EQ(starting.local_entries(), 0u);
}

}  // namespace
}  // namespace atelier::cache
