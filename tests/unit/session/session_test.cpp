#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "session/session_id.hpp"
#include "session/session_key.hpp"

using atelier::session::hmac_sha256_hex;
using atelier::session::is_issued_session_id;
using atelier::session::load_keyer;
using atelier::session::new_session_id;
using atelier::session::read_secret_file;
using atelier::session::SessionKeyer;

TEST(SessionId, IsFortyThreeBase64UrlCharacters) {
  const std::string id = new_session_id();
  EXPECT_EQ(id.size(), 43u);
  EXPECT_TRUE(is_issued_session_id(id));
  EXPECT_EQ(
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

TEST(SessionId, ThousandsAreDistinctAndUseEveryPosition) {
  // Not a randomness test (getrandom is the kernel's); a check that no position is constant, as
  // it would be if bytes were dropped or the encoding reused a fixed part.
  std::set<std::string> ids;
  std::vector<std::set<char>> seen(43);
  for (int i = 0; i < 4000; ++i) {
    const std::string id = new_session_id();
    ids.insert(id);
    for (std::size_t p = 0; p < id.size(); ++p) seen[p].insert(id[p]);
  }
  EXPECT_EQ(ids.size(), 4000u);
  for (std::size_t p = 0; p + 1 < seen.size(); ++p) EXPECT_GT(seen[p].size(), 32u) << p;
  // The last character carries 4 bits of the 256 (43 * 6 = 258): 16 values.
  EXPECT_EQ(seen[42].size(), 16u);
}

TEST(SessionKey, IsHmacSha256OfTheSession) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const SessionKeyer keyer(std::string(32, 's'));
  EXPECT_EQ(keyer.key("token"), hmac_sha256_hex(std::string(32, 's'), "token"));
  EXPECT_NE(keyer.key("token"), keyer.key("token2"));
  EXPECT_EQ(keyer.key("token").size(), 64u);
  EXPECT_EQ(keyer.previous_key("token"), std::nullopt);
}

TEST(SessionKey, AnotherSecretGivesAnotherKey) {
  const SessionKeyer rotating(std::string(32, 'n'), std::string(32, 'o'));
  EXPECT_EQ(rotating.previous_key("t"), SessionKeyer(std::string(32, 'o')).key("t"));
  EXPECT_NE(rotating.key("t"), *rotating.previous_key("t"));
}

TEST(SessionKey, ShortSecretsAreRefused) {
  EXPECT_THROW(SessionKeyer(std::string(31, 's')), std::invalid_argument);
  EXPECT_THROW(SessionKeyer(std::string(32, 's'), std::string(5, 'p')), std::invalid_argument);
}

class SecretFileTest : public ::testing::Test {
 protected:
  std::string path_ = ::testing::TempDir() + "atelier-secret-" + std::to_string(::getpid());
  void write(const std::string& text, mode_t mode) {
    std::ofstream(path_) << text;
    ::chmod(path_.c_str(), mode);
  }
  void TearDown() override { std::remove(path_.c_str()); }
};

TEST_F(SecretFileTest, ReadsAModeSixHundredFileWithoutItsNewline) {
  write(std::string(40, 'x') + "\n", 0600);
  const auto file = read_secret_file(path_);
  ASSERT_TRUE(file.secret) << file.error;
  EXPECT_EQ(*file.secret, std::string(40, 'x'));
  EXPECT_TRUE(load_keyer(path_, "").keyer);
}

TEST_F(SecretFileTest, AcceptsGroupReadAsAnOrchestratorMountsIt) {
  write(std::string(40, 'x'), 0440);
  EXPECT_TRUE(read_secret_file(path_).secret);
}

TEST_F(SecretFileTest, RefusesAFileOthersMayReadOrItsGroupWrite) {
  write(std::string(40, 'x'), 0660);
  EXPECT_FALSE(read_secret_file(path_).secret);
  write(std::string(40, 'x'), 0644);
  const auto file = read_secret_file(path_);
  EXPECT_FALSE(file.secret);
  EXPECT_NE(file.error.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(load_keyer(path_, "").keyer);
}

TEST_F(SecretFileTest, RefusesAShortOrMissingSecret) {
  write("short\n", 0600);
  EXPECT_FALSE(read_secret_file(path_).secret);
  EXPECT_FALSE(read_secret_file(path_ + ".missing").secret);
  EXPECT_FALSE(load_keyer(path_ + ".missing", "").error.empty());
  EXPECT_TRUE(load_keyer("", "").error.empty());
}
