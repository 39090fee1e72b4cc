#include "catalog/database.hpp"

#include "catalog/database_run.hpp"
#include "catalog/queries.hpp"
#include "catalog/read_endpoints.hpp"

namespace atelier::catalog {

namespace {

constexpr auto kReconnectPause = std::chrono::milliseconds(250);

// The product reads exist twice: "<name>" for an id range and "<name>_one" for one id
// (queries.hpp says why).
void prepare_for_ids(pqxx::connection& c, const std::string& name, std::string_view text) {
  c.prepare(name, sql::for_ids(text, sql::Ids::range));
  c.prepare(name + "_one", sql::for_ids(text, sql::Ids::one));
  c.prepare(name + "_list", sql::for_ids(text, sql::Ids::list));
}

void prepare_statements(pqxx::connection& c) {
  c.prepare("product_page", sql::kProductPage);
  prepare_for_ids(c, "product_details", sql::kProductDetails);
  prepare_for_ids(c, "product_styles", sql::kProductStyles);
  prepare_for_ids(c, "related", sql::kRelated);
  c.prepare("bounds", sql::kBounds);
  c.prepare("dataset_version", sql::kDatasetVersion);
  c.prepare("revisions", sql::kRevisions);
  c.prepare("last_publish", sql::kLastPublish);
  c.prepare("publishes_since", sql::kPublishesSince);
  c.prepare("last_publish_changes", sql::kLastPublishChanges);
  c.prepare("cart_add", sql::kCartAdd);
  c.prepare("cart_add_many", sql::kCartAddMany);
  c.prepare("cart_list", sql::kCartList);
  c.prepare("cart_forget_requests", sql::kCartForgetRequests);
}

}  // namespace

// "The catalog is not there (yet)": undefined table/schema, e.g. before the first load. A kind of
// its own (ErrorKind::not_loaded): a 503 like a database that is down, and /readyz says which.
// libpqxx 6.4 does not always fill in sqlstate() for the errors it maps to classes (seen for
// insufficient_privilege), so the class is checked too.
bool is_missing_catalog(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr || state == "42P01" ||
         state == "3F000";
}

// Statement timeout: SQLSTATE 57014. libpqxx 6.4 has no class for it and throws a plain
// sql_error carrying the server's SQLSTATE (it leaves sqlstate() empty only for the codes it maps
// to classes, see is_missing_catalog), so the code alone decides; never the message's text.
bool is_timeout(const pqxx::sql_error& e) {
  return e.sqlstate() == "57014";
}

// "cached plan must not change result type" (0A000) after a reload replaced the views.
bool is_stale_plan(const pqxx::sql_error& e) {
  return dynamic_cast<const pqxx::feature_not_supported*>(&e) != nullptr || e.sqlstate() == "0A000";
}

Database::Connection::Connection(const std::string& conninfo) : db(conninfo) {
  prepare_statements(db);
}

Database::Database(std::string conninfo, std::shared_ptr<QueryWatchdog> watchdog)
    : conninfo_(std::move(conninfo)), watchdog_(std::move(watchdog)) {}
Database::Database(std::shared_ptr<ReadEndpoints> endpoints,
                   std::shared_ptr<QueryWatchdog> watchdog)
    : endpoints_(std::move(endpoints)), watchdog_(std::move(watchdog)) {}
Database::~Database() = default;

Database::Connection& Database::connection() {
  if (endpoints_) return endpoint_connection();
  if (!connection_) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_connect_attempt_) {
      throw pqxx::broken_connection("database unreachable (waiting before the next attempt)");
    }
    try {
      connection_ = std::make_unique<Connection>(conninfo_);
    } catch (...) {
      next_connect_attempt_ = now + kReconnectPause;
      throw;
    }
  }
  return *connection_;
}

Database::Connection& Database::endpoint_connection() {
  // Move when the preferred endpoint changed (a replica came back, or fell too far behind).
  if (connection_ && endpoint_ != endpoints_->preferred()) connection_.reset();
  if (connection_) return *connection_;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_attempt_) {
    throw pqxx::broken_connection("database unreachable (waiting before the next attempt)");
  }
  // A replica that refuses the connection is reported and the next endpoint tried at once, so a
  // stopped replica costs no request an error; only when the primary fails too does it throw.
  for (std::size_t tries = 0;; ++tries) {
    endpoint_ = endpoints_->preferred();
    try {
      connection_ = std::make_unique<Connection>(endpoints_->conninfo(endpoint_));
      return *connection_;
    } catch (const pqxx::broken_connection&) {
      endpoints_->report_failure(endpoint_);
      if (endpoint_ + 1 < endpoints_->size() && tries < endpoints_->size()) continue;
      next_connect_attempt_ = now + kReconnectPause;
      throw;
    }
  }
}

}  // namespace atelier::catalog
