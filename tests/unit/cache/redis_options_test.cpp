#include "cache/redis_options.hpp"

#include <gtest/gtest.h>

#include <string>

namespace atelier::cache {
namespace {

TEST(ParseRedisUrl, EmptyUrlMeansCacheDisabled) {
  EXPECT_FALSE(parse_redis_url("").has_value());
  EXPECT_FALSE(parse_redis_url("   ").has_value());
  EXPECT_EQ(redis_url_error(""), "");
}

TEST(ParseRedisUrl, HostAndPort) {
  const auto options = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->host, "127.0.0.1");
  EXPECT_EQ(options->port, 6380);
  EXPECT_EQ(options->db, 0);
  EXPECT_FALSE(options->password);
  EXPECT_FALSE(options->username);
}

TEST(ParseRedisUrl, PortDefaultsTo6379) {
  const auto options = parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->host, "cache.internal");
  EXPECT_EQ(options->port, 6379);
}

TEST(ParseRedisUrl, PasswordAndDatabase) {
  const auto options = parse_redis_url("redis://:s3cret@10.0.0.5:6379/2");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->host, "10.0.0.5");
  EXPECT_EQ(options->password, "s3cret");
  EXPECT_FALSE(options->username);
  EXPECT_EQ(options->db, 2);
}

TEST(ParseRedisUrl, UserAndPassword) {
  const auto options = parse_redis_url("redis://api:pw@localhost:6379");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->username, "api");
  EXPECT_EQ(options->password, "pw");
}

// A user whose password is kept in a file (ATELIER_REDIS_PASSWORD_FILE): `user:@` in the URL.
TEST(ParseRedisUrl, UserWithThePasswordFromAFile) {
  auto options = parse_redis_url("redis://atelier_api:@127.0.0.1:6379/0");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->username, "atelier_api");
  EXPECT_FALSE(options->password);
  const auto filled = with_secrets(*options, std::string("from-file"), std::nullopt);
  EXPECT_EQ(filled.username, "atelier_api");
  EXPECT_EQ(filled.password, "from-file");
  EXPECT_FALSE(filled.sentinel_password);
  // A file's password replaces the URL's; the Sentinels' is never in a URL.
  const auto sentinel =
      parse_redis_url("redis-sentinel://atelier_api:url-pw@10.0.0.1:26379,10.0.0.2/0#atelier");
  ASSERT_TRUE(sentinel);
  EXPECT_FALSE(sentinel->sentinel_password);
  const auto both = with_secrets(*sentinel, std::string("file-pw"), std::string("sentinel-pw"));
  EXPECT_EQ(both.username, "atelier_api");
  EXPECT_EQ(both.password, "file-pw");
  EXPECT_EQ(both.sentinel_password, "sentinel-pw");
  EXPECT_EQ(with_secrets(*sentinel, std::nullopt, std::nullopt).password, "url-pw");
}

TEST(ParseRedisUrl, PercentEncodedPasswordIsDecoded) {
  const auto options = parse_redis_url("redis://:p%40ss%2Fw%3Ard@localhost:1");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->password, "p@ss/w:rd");
}

TEST(ParseRedisUrl, UnencodedAtInPasswordUsesLastAt) {
  const auto options = parse_redis_url("redis://:a@b@localhost:7000");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->password, "a@b");
  EXPECT_EQ(options->host, "localhost");
}

TEST(ParseRedisUrl, BracketedIpv6Host) {
  const auto options = parse_redis_url("redis://[::1]:6390/1");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->host, "::1");
  EXPECT_EQ(options->port, 6390);
  EXPECT_EQ(options->db, 1);
}

TEST(ParseRedisUrl, TrailingSlashMeansDatabaseZero) {
  const auto options = parse_redis_url("redis://h:1/");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->db, 0);
}

TEST(ParseRedisUrl, DefaultTimeoutsAreShort) {
  const auto options = parse_redis_url("redis://h:1");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->connect_timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(options->command_timeout, std::chrono::milliseconds(100));
}

TEST(ParseRedisUrl, MalformedUrlsAreRejected) {
  for (const char* url :
       {"http://h:1", "redis://", "redis://:6379", "redis://h:", "redis://h:0", "redis://h:65536",
        "redis://h:12ab", "redis://h:1/x", "redis://h:1/-1", "redis://[::1", "redis://::1:6379",
        "redis://h:1?timeout=1", "redis://:p%4@h:1", "redis://:p%zz@h:1", "127.0.0.1:6379"}) {
    EXPECT_FALSE(parse_redis_url(url).has_value()) << url;
    EXPECT_NE(redis_url_error(url), "") << url;
  }
}

TEST(ParseRedisUrl, ValidUrlHasNoError) {
  EXPECT_EQ(redis_url_error("redis://127.0.0.1:6390/1"), "");
}

TEST(ParseRedisUrl, ErrorNamesTheProblem) {
  EXPECT_NE(redis_url_error("redis://h:99999").find("port"), std::string::npos);
  EXPECT_NE(redis_url_error("redis://h:1/x").find("database"), std::string::npos);
}

TEST(ParseRedisUrl, ErrorMessageDoesNotLeakThePassword) {
  const std::string error = redis_url_error("redis://:topsecret@h:notaport");
  EXPECT_NE(error, "");
  EXPECT_EQ(error.find("topsecret"), std::string::npos);
}

TEST(ParseRedisUrl, SentinelUrlListsSentinelsAndNamesTheMaster) {
  const auto options =
      parse_redis_url("redis-sentinel://:pw@10.213.1.21:26379,10.213.1.22,[::1]:26380/3#atelier");
  ASSERT_TRUE(options);
  ASSERT_EQ(options->sentinels.size(), 3u);
  EXPECT_EQ(options->sentinels[0].host, "10.213.1.21");
  EXPECT_EQ(options->sentinels[0].port, 26379);
  EXPECT_EQ(options->sentinels[1].port, 26379) << "Sentinel port is the default";
  EXPECT_EQ(options->sentinels[2].host, "::1");
  EXPECT_EQ(options->sentinels[2].port, 26380);
  EXPECT_EQ(options->sentinel_master, "atelier");
  EXPECT_EQ(options->password, "pw");
  EXPECT_EQ(options->db, 3);
}

TEST(ParseRedisUrl, SentinelUrlWithoutMasterNameIsRejected) {
  EXPECT_FALSE(parse_redis_url("redis-sentinel://10.0.0.1:26379"));
  EXPECT_FALSE(parse_redis_url("redis-sentinel://10.0.0.1:26379#"));
  EXPECT_NE(redis_url_error("redis-sentinel://10.0.0.1:26379").find("#master"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("redis-sentinel://10.0.0.1:26379,#m")) << "empty sentinel entry";
}

TEST(EndpointLabel, NamesTheNodeOrTheMasterButNeverThePassword) {
  EXPECT_EQ(endpoint_label(*parse_redis_url("redis://:secret@10.0.0.32:6379/0")), "10.0.0.32:6379");
  EXPECT_EQ(endpoint_label(*parse_redis_url("redis://:secret@[::1]:6380")), "[::1]:6380");
  EXPECT_EQ(endpoint_label(*parse_redis_url("redis-sentinel://:secret@s1,s2:26380#atelier")),
            "sentinel:atelier");
  EXPECT_FALSE(parse_redis_url("redis-sentinel://s1#atelier")->sentinel_replica)
      << "only the caller makes a Sentinel URL name a replica";
}

TEST(ParseRedisUrl, PlainUrlHasNoSentinels) {
  const auto options = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->sentinels.empty());
  EXPECT_FALSE(parse_redis_url("redis://127.0.0.1:6380#m")) << "fragments only for Sentinel URLs";
}

}  // namespace
}  // namespace atelier::cache
