// The read/write split (CacheOptions::read_redis) against a real master, its real replica and three
// real Sentinels: the group scripts/test starts on loopback (scripts/redis-group, named by
// REDIS_GROUP_* and driven through REDIS_GROUP_CTL). Proofs come from the servers themselves:
// INFO commandstats of each node, ROLE, and the values each node holds.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.hpp"
#include "cache/redis_connection.hpp"
#include "polling.hpp"

namespace atelier::cache {
namespace {

using atelier::testing::eventually;

using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// `calls` of one command in INFO commandstats ("cmdstat_get:calls=12,usec=..."); -1 if unreadable.
std::int64_t command_calls(RedisConnection& node, std::string_view command) {
  const auto info = node.info("commandstats");
  if (!info.ok()) return -1;
  std::string field = "cmdstat_";
  field.append(command).append(":calls=");
  const auto at = info.value.find(field);
  if (at == std::string::npos) return 0;  // never called since the server started
  std::int64_t calls = 0;
  const char* begin = info.value.data() + at + field.size();
  std::from_chars(begin, info.value.data() + info.value.size(), calls);
  return calls;
}

class RedisSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // hiredis writes with plain write(2) (LIBRARY-NOTES §3)
    ctl_ = env("REDIS_GROUP_CTL");
    ASSERT_FALSE(ctl_.empty() || env("REDIS_GROUP_MASTER_URL").empty())
        << "the split tests need the Redis group scripts/test starts (scripts/redis-group up; "
           "eval \"$(scripts/redis-group env)\"; REDIS_GROUP_CTL=scripts/redis-group)";
    master_ = *parse_redis_url(env("REDIS_GROUP_MASTER_URL"));
    replica_ = *parse_redis_url(env("REDIS_GROUP_REPLICA_URL"));
    sentinels_ = *parse_redis_url(env("REDIS_GROUP_SENTINEL_URL"));
    // The Sentinels have a password of their own (requirepass), in a file of the group.
    std::ifstream sentinel_secret(env("REDIS_GROUP_SENTINEL_PASSWORD_FILE"));
    std::string sentinel_password;
    ASSERT_TRUE(std::getline(sentinel_secret, sentinel_password) && !sentinel_password.empty())
        << "REDIS_GROUP_SENTINEL_PASSWORD_FILE";
    sentinels_.sentinel_password = sentinel_password;
    // A test that failed half-way may leave the group failed over: the others start from a linked
    // master and replica either way.
    ASSERT_EQ(ctl("ready"), 0);
    // append(), not `"literal" + std::to_string(...)`: that trips a GCC 12 -O3 false positive
    // (-Wrestrict inside char_traits) under -Werror.
    prefix_ = "atelier:split:";
    prefix_.append(std::to_string(::getpid()))
        .append(":")
        .append(::testing::UnitTest::GetInstance()->current_test_info()->name())
        .append(":");
  }

  void TearDown() override {
    if (sentinels_.sentinels.empty()) return;
    RedisConnection master(sentinels_);
    master.unlink_matching(prefix_ + "*");
  }

  int ctl(const std::string& args) const {
    return std::system((ctl_ + " " + args + " >/dev/null").c_str());
  }
  std::string ctl_output(const std::string& args) const {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((ctl_ + " " + args).c_str(), "r"), ::pclose);
    std::string out;
    std::array<char, 256> buffer{};
    while (pipe && std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) {
      out += buffer.data();
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  // Short back-off so a stopped replica is skipped, and probed again, within a test.
  static CacheOptions split(RedisOptions write, RedisOptions read) {
    CacheOptions options;
    options.redis = std::move(write);
    options.read_redis = std::move(read);
    options.backoff = BackoffPolicy{3, 100ms, 200ms};
    return options;
  }
  RedisOptions replica_through_sentinels() const {
    RedisOptions read = sentinels_;
    read.sentinel_replica = true;
    return read;
  }

  std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
  static Entry entry(std::string_view tag) {
    using namespace std::string_literals;
    std::string etag = "\"";
    etag.append(tag).append("\"");
    std::string body = "{\"id\":1,\"bytes\":\"\x01\x02\"}\0tail"s;
    body.append(tag);
    return Entry{200, std::move(etag), std::move(body)};
  }
  static bool holds(RedisConnection& node, const std::string& key) { return node.get(key).ok(); }

  std::string ctl_;
  RedisOptions master_;
  RedisOptions replica_;
  RedisOptions sentinels_;
  std::string prefix_;
};

// A Sentinel answers only a client that sent its password: without it, or with a wrong one, no
// master is named, so a client never learns (and never sends the data nodes' password to) an
// address from a Sentinel that could not prove it is one of ours.
TEST_F(RedisSplitTest, SentinelsAnswerOnlyClientsWithTheirPassword) {
  RedisOptions without = sentinels_;
  without.sentinel_password.reset();
  RedisConnection anonymous(without);
  const RedisStatus refused = anonymous.connect();
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message.find("no Sentinel named a master"), std::string::npos)
      << refused.message;
  RedisOptions wrong = sentinels_;
  wrong.sentinel_password = "not-the-password";
  RedisConnection impostor(wrong);
  const RedisStatus denied = impostor.connect();
  EXPECT_FALSE(denied.ok());
  EXPECT_NE(denied.message.find("refused the Sentinel password"), std::string::npos)
      << denied.message;
  RedisConnection client(sentinels_);
  EXPECT_TRUE(client.connect().ok());
  EXPECT_TRUE(client.ping().ok());
}

TEST_F(RedisSplitTest, ReadsGoToTheReplicaAndWritesToTheMaster) {
  RedisConnection master(master_);
  RedisConnection replica(replica_);
  Cache cache(split(master_, replica_));
  constexpr int kKeys = 20;
  std::vector<KeyedEntry> entries;
  for (int i = 0; i < kKeys; ++i) {
    std::string k = key("k");
    k.append(std::to_string(i));
    entries.push_back({std::move(k), entry(std::to_string(i))});
  }
  const auto master_sets = command_calls(master, "set");
  ASSERT_EQ(cache.put_many(entries, kKeepForever), static_cast<std::size_t>(kKeys));
  // The replica refuses writes (READONLY), so the SETs the master counted are the cache's.
  EXPECT_EQ(command_calls(master, "set") - master_sets, kKeys);
  ASSERT_TRUE(eventually([&] { return holds(replica, entries.back().key); }));

  const auto master_gets = command_calls(master, "get");
  const auto replica_gets = command_calls(replica, "get");
  for (const KeyedEntry& e : entries) {
    const auto hit = cache.get(e.key);
    ASSERT_TRUE(hit.has_value()) << e.key;
    EXPECT_EQ(*hit, e.entry);
  }
  EXPECT_EQ(command_calls(replica, "get") - replica_gets, kKeys);
  EXPECT_EQ(command_calls(master, "get") - master_gets, 0);
  EXPECT_EQ(cache.counters().replica_hits.load(), static_cast<std::uint64_t>(kKeys));
  EXPECT_EQ(cache.counters().errors.load(), 0U);
  // Bytes-identical: the replica holds exactly what the master holds, which is the encoded entry.
  const auto from_master = master.get(entries.front().key);
  const auto from_replica = replica.get(entries.front().key);
  ASSERT_TRUE(from_master.ok() && from_replica.ok());
  EXPECT_EQ(from_replica.value, from_master.value);
  EXPECT_EQ(from_replica.value, encode_entry(entries.front().entry));
}

TEST_F(RedisSplitTest, AReplicaMissIsAskedOfTheMasterBeforeTheDatabase) {
  RedisConnection replica(replica_);
  Cache cache(split(master_, replica_));
  cache.put(key("lagging"), entry("lag"), kKeepForever);
  ASSERT_TRUE(eventually([&] { return holds(replica, key("lagging")); }));
  // A replica that has not replayed the SET yet: the key is gone from it alone.
  ASSERT_EQ(ctl("drop-key b " + key("lagging")), 0);
  ASSERT_FALSE(holds(replica, key("lagging")));

  const auto hit = cache.get(key("lagging"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, entry("lag"));
  EXPECT_EQ(cache.counters().replica_reads.load(), 1U);
  EXPECT_EQ(cache.counters().replica_hits.load(), 0U);
  EXPECT_EQ(cache.counters().master_hits_after_replica_miss.load(), 1U);
  EXPECT_EQ(cache.counters().hits.load(), 1U);
  EXPECT_EQ(cache.counters().misses.load(), 0U);
  // Absent on both: one miss, the caller loads.
  EXPECT_FALSE(cache.get(key("absent")).has_value());
  EXPECT_EQ(cache.counters().misses.load(), 1U);
}

TEST_F(RedisSplitTest, AStoppedReplicaFallsBackToTheMasterWithoutErrorsAndIsUsedAgainLater) {
  RedisConnection replica(replica_);
  Cache cache(split(master_, replica_));
  cache.put(key("k"), entry("k"), kKeepForever);
  ASSERT_TRUE(eventually([&] { return holds(replica, key("k")); }));
  ASSERT_TRUE(cache.get(key("k")).has_value());
  ASSERT_EQ(cache.counters().replica_hits.load(), 1U);

  ASSERT_EQ(ctl("kill b"), 0);
  for (int i = 0; i < 10; ++i) {
    const auto hit = cache.get(key("k"));
    ASSERT_TRUE(hit.has_value()) << "lookup " << i;
    EXPECT_EQ(*hit, entry("k"));
  }
  EXPECT_EQ(cache.counters().errors.load(), 0U);
  EXPECT_EQ(cache.state(), CacheState::up);
  EXPECT_GE(cache.counters().replica_failures.load(), 3U);
  EXPECT_EQ(cache.read_state(), CacheState::backoff);
  EXPECT_GE(cache.counters().replica_skipped.load(), 1U);
  // The Sentinel form with its only replica down: no replica to read, the master answers.
  Cache through_sentinels(split(sentinels_, replica_through_sentinels()));
  for (int i = 0; i < 5; ++i) {
    const auto hit = through_sentinels.get(key("k"));
    ASSERT_TRUE(hit.has_value()) << "lookup " << i;
    EXPECT_EQ(*hit, entry("k"));
  }
  EXPECT_EQ(through_sentinels.counters().errors.load(), 0U);
  EXPECT_EQ(through_sentinels.counters().replica_hits.load(), 0U);
  EXPECT_GE(through_sentinels.counters().replica_failures.load(), 1U);

  ASSERT_EQ(ctl("start b"), 0);
  ASSERT_EQ(ctl("ready"), 0);
  ASSERT_TRUE(eventually([&] { return cache.read_state() == CacheState::up; }));
  ASSERT_TRUE(eventually([&] { return holds(replica, key("k")); }));
  const auto replica_hits = cache.counters().replica_hits.load();
  ASSERT_TRUE(cache.get(key("k")).has_value());
  EXPECT_EQ(cache.counters().replica_hits.load(), replica_hits + 1);
  EXPECT_EQ(cache.counters().errors.load(), 0U);
}

TEST_F(RedisSplitTest, ASentinelFailoverIsFollowedWithoutARestart) {
  // Writes through the Sentinels to the master, reads from a replica the Sentinels name.
  Cache cache(split(sentinels_, replica_through_sentinels()));
  // A bare connection to the master, open across the failover, shows what the cache's own does.
  RedisConnection writer(sentinels_);
  ASSERT_TRUE(writer.set(key("before"), encode_entry(entry("before")), kNoExpiry).ok());
  const int old_port = writer.options().port;
  cache.put(key("k1"), entry("k1"), kKeepForever);
  RedisConnection old_replica(replica_);
  ASSERT_TRUE(eventually([&] { return holds(old_replica, key("k1")); }));
  ASSERT_TRUE(cache.get(key("k1")).has_value());
  EXPECT_EQ(cache.counters().replica_hits.load(), 1U);

  const std::string new_port = ctl_output("failover");
  ASSERT_FALSE(new_port.empty());
  ASSERT_NE(new_port, std::to_string(old_port));
  RedisOptions new_master_options = master_;
  new_master_options.port = std::stoi(new_port);
  RedisConnection new_master(new_master_options);

  // The old master is a replica now: a write on a connection opened before is refused with
  // READONLY, which drops it, and the next write asks the Sentinels again.
  const RedisStatus refused = writer.set(key("during"), "x", kNoExpiry);
  EXPECT_EQ(refused.error, RedisError::closed) << refused.message;
  EXPECT_NE(refused.message.find("READONLY"), std::string::npos) << refused.message;
  EXPECT_FALSE(writer.connected());
  ASSERT_TRUE(writer.set(key("after"), "y", kNoExpiry).ok());
  EXPECT_EQ(writer.options().port, new_master_options.port);

  // The cache follows without a restart and without errors: its write lands on the new master,
  // and reads still hit, bytes-identical.
  const auto sets = command_calls(new_master, "set");
  cache.put(key("k2"), entry("k2"), kKeepForever);
  EXPECT_EQ(command_calls(new_master, "set") - sets, 1);
  const auto stored = new_master.get(key("k2"));
  ASSERT_TRUE(stored.ok()) << stored.message;
  EXPECT_EQ(stored.value, encode_entry(entry("k2")));
  for (const char* k : {"k1", "k2"}) {
    const auto hit = cache.get(key(k));
    ASSERT_TRUE(hit.has_value()) << k;
    EXPECT_EQ(*hit, entry(k));
  }
  EXPECT_EQ(cache.counters().errors.load(), 0U);
  EXPECT_EQ(cache.state(), CacheState::up);

  // And back: the group ends as it began, and the cache follows the second failover too.
  ASSERT_EQ(ctl_output("failover"), std::to_string(old_port));
  cache.put(key("k3"), entry("k3"), kKeepForever);
  RedisConnection first_master(master_);
  EXPECT_TRUE(holds(first_master, key("k3")));
  const auto hit = cache.get(key("k3"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, entry("k3"));
  EXPECT_EQ(cache.counters().errors.load(), 0U);
}

}  // namespace
}  // namespace atelier::cache
