// PublishLogReader::revisions, the change feed's read of every product's revision, against the
// private PostgreSQL of scripts/test. A host's connections carry a request's statement_timeout
// (ATELIER_DB_STATEMENT_TIMEOUT_MS); this one read is allowed longer, for its transaction only.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/publish_log.hpp"
#include "http_client.hpp"

namespace atelier::catalog {
namespace {

using namespace std::chrono_literals;

// The API role's URL with a 200 ms statement_timeout, as a host's connections get theirs.
std::string with_short_statement_timeout() {
  std::string url = ::atelier::testing::required_env("API_DATABASE_URL");
  url += url.find('?') == std::string::npos ? "?" : "&";
  return url + "options=-c%20statement_timeout%3D200";
}

TEST(RevisionSnapshot, OutlastsTheStatementTimeoutOfTheHostsConnections) {
  // The loader holds the publish log for a second: the snapshot's first read waits that long, as
  // the whole snapshot does beside a busy machine's load.
  pqxx::connection owner(::atelier::testing::required_env("DATABASE_URL"));
  pqxx::work held(owner);
  held.exec0("LOCK TABLE catalog.publishes IN ACCESS EXCLUSIVE MODE");
  const auto locked_at = std::chrono::steady_clock::now();
  std::thread release([&] {
    std::this_thread::sleep_until(locked_at + 1s);
    held.commit();
  });

  // The same wait ends any other statement on such a connection: the timeout is real.
  pqxx::connection plain(with_short_statement_timeout());
  pqxx::nontransaction other(plain);
  EXPECT_THROW(other.exec("SELECT max(id) FROM catalog.publishes"), pqxx::sql_error);

  PublishLogReader reader{std::make_shared<Database>(with_short_statement_timeout())};
  const auto snapshot = reader.revisions();
  const auto waited = std::chrono::steady_clock::now() - locked_at;
  release.join();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().detail;
  EXPECT_GE(waited, 900ms);  // it did wait for the lock, past 200 ms
  EXPECT_FALSE(snapshot.value().revisions.empty());
}

}  // namespace
}  // namespace atelier::catalog
