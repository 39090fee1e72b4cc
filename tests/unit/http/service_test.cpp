// Service (routing, method checks, negotiation of refusals, the cart, the cache tiers, readiness)
// in-process, two ways:
//  - ServiceTest: the production constructor against backends that fail: a DATABASE_URL nothing
//    listens on (port 1: refused at once) and no Redis. What a request thread answers by itself
//    is checked there, and that database work answers the 503 a host gives while its database is
//    down.
//  - ServiceFakesTest: the constructor that takes the backends (ServiceBackends), with fakes
//    defined here for the product reads, the cart store, the revision table and the readiness
//    check's dataset version; the in-process cache tier is the real one (no Redis). It proves
//    what needs a database that answers: a hit answered from the cache without a read, a miss that
//    reads through and fills the cache, the cart's reads and adds with their error mapping, and
//    readiness.
// The same endpoints against a real PostgreSQL and Redis are the integration tests'
// (tests/integration/http).
#include "http/service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "metrics_text.hpp"
#include "polling.hpp"

namespace {

using atelier::http::Deferred;
using atelier::http::Method;
using atelier::http::Outcome;
using atelier::http::Reply;
using atelier::http::RequestView;
using atelier::http::Service;

atelier::config::Config offline_config() {
  atelier::config::Config config;
  config.database_url = "postgresql://atelier@127.0.0.1:1/atelier";
  config.db_connect_timeout = std::chrono::milliseconds(500);
  config.redis_url.clear();
  config.db_workers = 1;
  config.local_cache_mb = 1;
  config.local_page_cache_mb = 1;
  return config;
}

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest()
      : service_(offline_config(),
                 std::make_shared<const atelier::session::SessionKeyer>(std::string(32, 'k'))) {}

  Outcome handle(Method method, std::string_view path) {
    RequestView request;
    request.method = method;
    request.path = path;
    return service_.handle(request);
  }
  static Reply reply_of(Outcome outcome) {
    EXPECT_TRUE(std::holds_alternative<Reply>(outcome)) << "expected an answer now";
    if (!std::holds_alternative<Reply>(outcome)) return Reply{};
    return std::get<Reply>(std::move(outcome));
  }
  static std::string body_of(const Reply& reply) {
    return reply.shared_body ? *reply.shared_body : reply.body;
  }

  Service service_;
};

TEST_F(ServiceTest, UnknownPathIsAJson404) {
  const Reply r = reply_of(handle(Method::get, "/nothing/here"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(body_of(r).find("\"error\""), std::string::npos) << body_of(r);
}

TEST_F(ServiceTest, OptionsAnswers204WithTheAllowedMethods) {
  const Reply r = reply_of(handle(Method::options, "/cart"));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.no_body);
  EXPECT_NE(r.allow.find("POST"), std::string_view::npos) << r.allow;
}

TEST_F(ServiceTest, AMethodTheRouteDoesNotTakeIs405WithAllow) {
  const Reply r = reply_of(handle(Method::post, "/products/1"));
  EXPECT_EQ(r.status, 405);
  EXPECT_FALSE(r.allow.empty());
  EXPECT_EQ(r.allow.find("POST"), std::string_view::npos) << r.allow;
}

TEST_F(ServiceTest, HealthzAnswersWithoutTheDatabase) {
  const Reply r = reply_of(handle(Method::get, "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), R"({"status":"ok"})");
  EXPECT_EQ(r.cache_control, "no-store");
}

TEST_F(ServiceTest, ReadyzIs503WhileTheDatabaseIsUnreachable) {
  const Reply r = reply_of(handle(Method::get, "/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  EXPECT_EQ(r.cache_control, "no-store");
}

TEST_F(ServiceTest, ReadyzSaysDrainingOnceDraining) {
  service_.start_draining();
  const Reply r = reply_of(handle(Method::get, "/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(body_of(r).find("draining"), std::string::npos) << body_of(r);
}

TEST_F(ServiceTest, ABadProductIdIs400WithoutTheDatabase) {
  const Reply r = reply_of(handle(Method::get, "/products/abc"));
  EXPECT_EQ(r.status, 400);
}

TEST_F(ServiceTest, AProductMissIsDeferredAndItsWorkAnswers503WhileTheDatabaseIsDown) {
  Outcome outcome = handle(Method::get, "/products/5/styles");
  ASSERT_TRUE(std::holds_alternative<Deferred>(outcome));
  const Reply r = std::get<Deferred>(outcome).work();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  EXPECT_TRUE(r.etag.empty());
}

TEST_F(ServiceTest, CartWithoutASessionIsAnEmptyListAtOnce) {
  const Reply r = reply_of(handle(Method::get, "/cart"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), "[]");
  EXPECT_EQ(r.cache_control, "no-store");
}

TEST_F(ServiceTest, CartRefusalsComeBeforeAnyDatabaseWork) {
  RequestView request;
  request.method = Method::post;
  request.path = "/cart";
  request.body = R"({"sku_id":1})";
  EXPECT_EQ(reply_of(service_.handle(request)).status, 415);  // no Content-Type

  request.content_type = "application/json";
  request.body = "not json";
  EXPECT_EQ(reply_of(service_.handle(request)).status, 400);

  request.body = R"({"sku_id":1})";
  request.authorization = "short";
  EXPECT_EQ(reply_of(service_.handle(request)).status, 401);
}

TEST_F(ServiceTest, AValidCartAddIsDeferredAndAnswers503WhileTheDatabaseIsDown) {
  RequestView request;
  request.method = Method::post;
  request.path = "/cart";
  request.content_type = "application/json";
  request.body = R"({"sku_id":1})";
  Outcome outcome = service_.handle(request);
  ASSERT_TRUE(std::holds_alternative<Deferred>(outcome));
  // A cart add is answered later (after its group commit): through the database workers.
  auto answered = std::make_shared<std::promise<Reply>>();
  service_.submit(std::move(std::get<Deferred>(outcome)),
                  [answered](Reply&& reply) { answered->set_value(std::move(reply)); });
  auto reply = answered->get_future();
  ASSERT_EQ(reply.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const Reply r = reply.get();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_TRUE(r.set_cookie.empty());  // nothing was added, so no session was handed out
}

// --- With fakes -------------------------------------------------------------------------------

namespace catalog = atelier::catalog;
namespace model = atelier::model;

// What the fakes answer and what they were asked: one per test, shared (under its mutex) by the
// fake objects the Service makes for each of its threads and by the test.
struct FakeDatabase {
  std::mutex mutex;
  // The revision table: product id -> revision (ready once `ready`).
  bool revisions_ready = true;
  std::map<std::int64_t, std::uint64_t> revisions;
  std::int64_t list_revision = 3;
  // Product rows: details by id, products by rank (1-based) for pages.
  std::map<std::int64_t, model::ProductDetail> details;
  std::vector<model::Product> products;
  std::optional<catalog::Error> read_failure;  // set: every product read fails so
  int detail_reads = 0;
  int page_reads = 0;
  // The cart: lines by session key, the outcome of an add by sku (none set: 201).
  std::map<std::string, std::vector<model::CartLine>> carts;
  std::map<std::int64_t, catalog::CartAddOutcome> add_outcomes;
  std::optional<catalog::Error> cart_failure;  // set: every cart read and add fails so
  std::vector<catalog::CartAddRequest> adds;   // every add handed to a commit
  std::vector<std::string> cart_reads;         // the session key of every cart read
  // The readiness check's answer.
  catalog::Result<std::int64_t> dataset_version = std::int64_t{42};
};

class FakeRows : public catalog::ProductRows {
 public:
  explicit FakeRows(std::shared_ptr<FakeDatabase> db) : db_(std::move(db)) {}
  catalog::Result<catalog::Versioned<std::vector<model::Product>>> product_page(
      std::int64_t first_rank, std::int64_t last_rank) override {
    std::lock_guard lock(db_->mutex);
    ++db_->page_reads;
    if (db_->read_failure) return *db_->read_failure;
    catalog::Versioned<std::vector<model::Product>> page;
    for (std::int64_t rank = first_rank;
         rank <= last_rank && rank <= static_cast<std::int64_t>(db_->products.size()); ++rank) {
      page.value.push_back(db_->products[static_cast<std::size_t>(rank - 1)]);
    }
    return page;
  }
  catalog::Result<catalog::Versioned<std::optional<model::ProductDetail>>> product_detail(
      std::int64_t product_id) override {
    std::lock_guard lock(db_->mutex);
    ++db_->detail_reads;
    if (db_->read_failure) return *db_->read_failure;
    catalog::Versioned<std::optional<model::ProductDetail>> out;
    if (auto it = db_->details.find(product_id); it != db_->details.end()) out.value = it->second;
    return out;
  }
  catalog::Result<catalog::Versioned<std::optional<model::ProductStyles>>> product_styles(
      std::int64_t) override {
    ADD_FAILURE() << "no test reads styles";
    return catalog::Error{catalog::ErrorKind::query, "not faked"};
  }
  catalog::Result<catalog::Versioned<std::optional<model::RelatedIds>>> related(
      std::int64_t) override {
    ADD_FAILURE() << "no test reads related ids";
    return catalog::Error{catalog::ErrorKind::query, "not faked"};
  }

 private:
  std::shared_ptr<FakeDatabase> db_;
};

class FakeCarts : public catalog::Carts {
 public:
  explicit FakeCarts(std::shared_ptr<FakeDatabase> db) : db_(std::move(db)) {}
  catalog::Result<std::vector<catalog::CartAddOutcome>> add_to_cart(
      std::span<const catalog::CartAddRequest> adds) override {
    std::lock_guard lock(db_->mutex);
    if (db_->cart_failure) return *db_->cart_failure;
    std::vector<catalog::CartAddOutcome> out;
    for (const auto& add : adds) {
      db_->adds.push_back(add);
      auto it = db_->add_outcomes.find(add.sku_id);
      out.push_back(it != db_->add_outcomes.end() ? it->second
                                                  : catalog::CartAddOutcome{201, false, ""});
    }
    return out;
  }
  catalog::Result<std::vector<model::CartLine>> cart(const std::string& session_key,
                                                     const std::string&) override {
    std::lock_guard lock(db_->mutex);
    db_->cart_reads.push_back(session_key);
    if (db_->cart_failure) return *db_->cart_failure;
    return db_->carts[session_key];
  }
  catalog::Result<std::int64_t> forget_cart_requests() override { return std::int64_t{0}; }

 private:
  std::shared_ptr<FakeDatabase> db_;
};

class FakeVersions : public catalog::DatasetVersions {
 public:
  explicit FakeVersions(std::shared_ptr<FakeDatabase> db) : db_(std::move(db)) {}
  catalog::Result<std::int64_t> dataset_version() override {
    std::lock_guard lock(db_->mutex);
    return db_->dataset_version;
  }

 private:
  std::shared_ptr<FakeDatabase> db_;
};

class FakeRevisions : public catalog::Revisions {
 public:
  explicit FakeRevisions(std::shared_ptr<FakeDatabase> db) : db_(std::move(db)) {}
  bool ready() const override {
    std::lock_guard lock(db_->mutex);
    return db_->revisions_ready;
  }
  std::uint64_t revision(std::int64_t product_id) const override {
    std::lock_guard lock(db_->mutex);
    auto it = db_->revisions.find(product_id);
    return it == db_->revisions.end() ? 0 : it->second;
  }
  std::size_t products() const override {
    std::lock_guard lock(db_->mutex);
    return db_->products.size();
  }
  std::int64_t last_publish() const override { return 1; }
  std::int64_t list_revision() const override {
    std::lock_guard lock(db_->mutex);
    return db_->list_revision;
  }
  std::int64_t dataset_version() const override { return 42; }
  bool listening() const override { return true; }
  std::uint64_t publishes_applied() const override { return 0; }
  std::uint64_t full_reloads() const override { return 0; }

 private:
  std::shared_ptr<FakeDatabase> db_;
};

model::Product product(std::int64_t id, std::uint64_t revision) {
  model::Product p;
  p.id = id;
  p.name = "Product " + std::to_string(id);
  p.category = "Shoes";
  p.default_price = 14000;
  p.revision = revision;
  return p;
}

// A session token as a front end sends it (at least 20 characters).
constexpr std::string_view kToken = "fake-backends-session-token-1";

class ServiceFakesTest : public ::testing::Test {
 protected:
  ServiceFakesTest() {
    for (std::int64_t id = 1; id <= 10; ++id) db_->products.push_back(product(id, 7));
    db_->revisions[5] = 7;
    db_->details[5] = model::ProductDetail{product(5, 7), {}};
  }

  // Made on first use, so that a test can set the fakes up first.
  Service& service() {
    if (!service_) {
      atelier::config::Config config;
      config.redis_url.clear();  // the in-process tier only
      config.db_workers = 2;
      config.local_cache_mb = 1;
      config.local_page_cache_mb = 1;
      config.cart_max_units = 3;
      config.cart_max_skus = 4;
      config.ready_check_interval = std::chrono::milliseconds(20);
      atelier::http::ServiceBackends backends;
      backends.product_rows = [db = db_] { return std::make_unique<FakeRows>(db); };
      backends.carts = [db = db_] { return std::make_unique<FakeCarts>(db); };
      backends.dataset_versions = [db = db_] { return std::make_unique<FakeVersions>(db); };
      backends.revisions = [this](atelier::http::ServiceBackends::OnChanges on_changes) {
        on_changes_ = std::move(on_changes);
        return std::make_unique<FakeRevisions>(db_);
      };
      service_.emplace(std::move(config), keyer_, std::move(backends));
    }
    return *service_;
  }

  // The answer to `request`: at once, or after its database work ran on the workers (as the
  // Pistache handler submits it).
  Reply answer(const RequestView& request) {
    Outcome outcome = service().handle(request);
    if (auto* reply = std::get_if<Reply>(&outcome)) return std::move(*reply);
    auto answered = std::make_shared<std::promise<Reply>>();
    service().submit(std::move(std::get<Deferred>(outcome)),
                     [answered](Reply&& reply) { answered->set_value(std::move(reply)); });
    auto reply = answered->get_future();
    EXPECT_EQ(reply.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return reply.get();
  }
  bool answered_at_once(const RequestView& request) {
    return std::holds_alternative<Reply>(service().handle(request));
  }
  static RequestView get(std::string_view path) {
    RequestView request;
    request.method = Method::get;
    request.path = path;
    return request;
  }
  static RequestView cart_add(std::string_view body) {
    RequestView request;
    request.method = Method::post;
    request.path = "/cart";
    request.content_type = "application/json";
    request.authorization = kToken;
    request.body = body;
    return request;
  }
  static std::string body_of(const Reply& reply) {
    return reply.shared_body ? *reply.shared_body : reply.body;
  }
  template <typename T>
  T locked(T FakeDatabase::*member) {
    std::lock_guard lock(db_->mutex);
    return db_.get()->*member;
  }

  std::shared_ptr<FakeDatabase> db_ = std::make_shared<FakeDatabase>();
  std::shared_ptr<const atelier::session::SessionKeyer> keyer_ =
      std::make_shared<const atelier::session::SessionKeyer>(std::string(32, 'k'));
  // What the Service asked its revision table to call after a move (ChangeFeed does on a publish).
  atelier::http::ServiceBackends::OnChanges on_changes_;
  std::optional<Service> service_;  // last: its threads use the fakes
};

TEST_F(ServiceFakesTest, AMissReadsThroughOnceAndTheNextRequestIsAHitWithoutARead) {
  const RequestView request = get("/products/5");
  ASSERT_FALSE(answered_at_once(request)) << "an empty cache defers to the database workers";
  const Reply miss = answer(request);
  EXPECT_EQ(miss.status, 200) << body_of(miss);
  EXPECT_NE(body_of(miss).find(R"("name":"Product 5")"), std::string::npos) << body_of(miss);
  EXPECT_FALSE(miss.etag.empty());
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 1);

  // The read filled the in-process tier under the product's revision: answered on the request
  // thread, the same bytes and tag, and the database not asked again.
  Outcome hit = service().handle(request);
  ASSERT_TRUE(std::holds_alternative<Reply>(hit)) << "a cached body is answered at once";
  const Reply& cached = std::get<Reply>(hit);
  EXPECT_EQ(cached.status, 200);
  EXPECT_EQ(body_of(cached), body_of(miss));
  EXPECT_EQ(cached.etag, miss.etag);
  EXPECT_EQ(cached.cache_control, "public, max-age=60");
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 1);
}

TEST_F(ServiceFakesTest, RowsOfAnotherRevisionAreAnsweredButNotKept) {
  // The table says 7; the rows read come from revision 6 (a publish landed in between).
  db_->details[5].product.revision = 6;
  EXPECT_EQ(answer(get("/products/5")).status, 200);
  EXPECT_FALSE(answered_at_once(get("/products/5"))) << "nothing was kept under revision 7";
  EXPECT_EQ(answer(get("/products/5")).status, 200);
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 2);
}

TEST_F(ServiceFakesTest, AProductMovedToANewRevisionHasItsOldBodyDroppedFromTheTier) {
  const auto entries = [&] {
    return atelier::testing::metric_in(body_of(answer(get("/metrics"))),
                                       "atelier_local_cache_entries");
  };
  ASSERT_EQ(answer(get("/products/5")).status, 200);
  ASSERT_TRUE(answered_at_once(get("/products/5")));
  EXPECT_EQ(entries(), 1);
  // A publish moved product 5 from revision 7 to 8: the table calls what the Service gave it.
  {
    std::lock_guard lock(db_->mutex);
    db_->revisions[5] = 8;
    db_->details[5].product.revision = 8;
    db_->details[5].product.name = "Renamed";
  }
  ASSERT_TRUE(on_changes_);
  const catalog::RevisionChange moved{5, 7, 8};
  on_changes_(std::span(&moved, 1));
  EXPECT_EQ(entries(), 0) << "revision 7's body is gone, not left to age out";
  ASSERT_FALSE(answered_at_once(get("/products/5")));
  const Reply renamed = answer(get("/products/5"));
  EXPECT_NE(body_of(renamed).find(R"("name":"Renamed")"), std::string::npos) << body_of(renamed);
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 2);
}

TEST_F(ServiceFakesTest, AProductTheRevisionTableDoesNotKnowIs404WithoutARead) {
  const Reply r = answer(get("/products/6"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(body_of(r).find("No product with id 6."), std::string::npos) << body_of(r);
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 0);
}

TEST_F(ServiceFakesTest, ADatabaseDownOnAMissIs503WithRetryAfterAndIsNotCached) {
  db_->read_failure = catalog::Error{catalog::ErrorKind::unavailable, "refused"};
  const Reply down = answer(get("/products/5"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.retry_after_seconds, 1);
  EXPECT_TRUE(down.etag.empty());
  {
    std::lock_guard lock(db_->mutex);
    db_->read_failure.reset();
  }
  // The failure was not kept: the next request reads again, and gets the product.
  EXPECT_FALSE(answered_at_once(get("/products/5")));
  EXPECT_EQ(answer(get("/products/5")).status, 200);
  EXPECT_EQ(locked(&FakeDatabase::detail_reads), 2);
}

TEST_F(ServiceFakesTest, AListPageReadsThroughOnceThenIsAHitAndAPagePastTheEndReadsNothing) {
  RequestView request = get("/products");
  request.page = "1";
  request.count = "5";
  ASSERT_FALSE(answered_at_once(request));
  const Reply page = answer(request);
  EXPECT_EQ(page.status, 200) << body_of(page);
  EXPECT_NE(body_of(page).find(R"("name":"Product 5")"), std::string::npos) << body_of(page);
  EXPECT_EQ(body_of(page).find(R"("name":"Product 6")"), std::string::npos) << body_of(page);
  EXPECT_TRUE(answered_at_once(request)) << "the page was kept under the list revision";
  EXPECT_EQ(locked(&FakeDatabase::page_reads), 1);

  request.page = "3";  // ranks 11-15 of 10 products
  const Reply past = answer(request);
  EXPECT_EQ(past.status, 200);
  EXPECT_EQ(body_of(past), "[]");
  EXPECT_EQ(locked(&FakeDatabase::page_reads), 1);
}

TEST_F(ServiceFakesTest, ACartIsReadByTheSessionsKeyedHashNeverByTheToken) {
  db_->carts[keyer_->key(kToken)] = {{11, 2}, {12, 1}};
  RequestView request = get("/cart");
  request.authorization = kToken;
  const Reply r = answer(request);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), R"([{"sku_id":11,"count":"2"},{"sku_id":12,"count":"1"}])");
  EXPECT_EQ(r.cache_control, "no-store");
  const auto reads = locked(&FakeDatabase::cart_reads);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0], keyer_->key(kToken));
}

TEST_F(ServiceFakesTest, ACartReadWithTheDatabaseDownIs503WithRetryAfter) {
  db_->cart_failure = catalog::Error{catalog::ErrorKind::unavailable, "refused"};
  RequestView request = get("/cart");
  request.authorization = kToken;
  const Reply r = answer(request);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_EQ(body_of(r).rfind("{\"error\":", 0), 0u) << body_of(r);
}

TEST_F(ServiceFakesTest, ACartAddIsCommittedWithTheKeyedSessionTheRequestKeyAndTheBounds) {
  RequestView request = cart_add(R"({"sku_id":21})");
  request.idempotency_key = "retry-key-0001";
  const Reply r = answer(request);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(body_of(r), "Created");
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_TRUE(r.set_cookie.empty()) << "the session came with the request";
  const auto adds = locked(&FakeDatabase::adds);
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_EQ(adds[0].session_key, keyer_->key(kToken));
  EXPECT_EQ(adds[0].sku_id, 21);
  EXPECT_EQ(adds[0].request_key, "k:retry-key-0001");
  EXPECT_EQ(adds[0].max_units, 3);
  EXPECT_EQ(adds[0].max_skus, 4);
}

TEST_F(ServiceFakesTest, AnAddWithoutASessionStartsOneWithACookieSecureOverTls) {
  RequestView request = cart_add(R"({"sku_id":21})");
  request.authorization.reset();
  request.request_id = "edge-request-id-1";
  const Reply plain = answer(request);
  ASSERT_EQ(plain.status, 201);
  ASSERT_EQ(plain.set_cookie.rfind("session=", 0), 0u) << plain.set_cookie;
  EXPECT_NE(plain.set_cookie.find("; Path=/; HttpOnly; SameSite=Lax"), std::string::npos);
  EXPECT_EQ(plain.set_cookie.find("Secure"), std::string::npos) << plain.set_cookie;
  const std::string session = plain.set_cookie.substr(8, plain.set_cookie.find(';') - 8);
  {
    const auto adds = locked(&FakeDatabase::adds);
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].session_key, keyer_->key(session)) << "the add is the new session's";
    EXPECT_EQ(adds[0].request_key, "r:edge-request-id-1") << "the edge's id keys a retry";
  }
  request.forwarded_proto = "https";
  const Reply tls = answer(request);
  ASSERT_EQ(tls.status, 201);
  EXPECT_NE(tls.set_cookie.find("; Secure"), std::string::npos) << tls.set_cookie;
  EXPECT_NE(tls.set_cookie, plain.set_cookie) << "each new session is its own";
}

TEST_F(ServiceFakesTest, TheStoresRefusalsAreMappedTo409And422WithTheirMessages) {
  db_->add_outcomes[31] = {409, false, "units"};
  db_->add_outcomes[32] = {409, false, "skus"};
  db_->add_outcomes[33] = {422, false, ""};
  db_->add_outcomes[34] = {422, false, "key_reused"};
  const Reply units = answer(cart_add(R"({"sku_id":31})"));
  EXPECT_EQ(units.status, 409);
  EXPECT_NE(body_of(units).find("units of this sku one cart may (3)"), std::string::npos)
      << body_of(units);
  const Reply skus = answer(cart_add(R"({"sku_id":32})"));
  EXPECT_EQ(skus.status, 409);
  EXPECT_NE(body_of(skus).find("distinct skus one cart may (4)"), std::string::npos)
      << body_of(skus);
  const Reply unknown = answer(cart_add(R"({"sku_id":33})"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(body_of(unknown).find("No sku with id 33."), std::string::npos) << body_of(unknown);
  const Reply reused = answer(cart_add(R"({"sku_id":34})"));
  EXPECT_EQ(reused.status, 422);
  EXPECT_NE(body_of(reused).find("Idempotency-Key was already used"), std::string::npos)
      << body_of(reused);
  for (const Reply* r : {&units, &skus, &unknown, &reused}) {
    EXPECT_EQ(r->cache_control, "no-store");
    EXPECT_EQ(body_of(*r).rfind("{\"error\":", 0), 0u) << body_of(*r);
  }
}

TEST_F(ServiceFakesTest, AnAddWithTheDatabaseDownIs503WithRetryAfterAndNoNewSession) {
  db_->cart_failure = catalog::Error{catalog::ErrorKind::unavailable, "refused"};
  RequestView request = cart_add(R"({"sku_id":21})");
  request.authorization.reset();
  const Reply r = answer(request);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_TRUE(r.set_cookie.empty()) << "nothing was added, so no session was handed out";
  EXPECT_TRUE(locked(&FakeDatabase::adds).empty());
}

TEST_F(ServiceFakesTest, AQueryTheDatabaseRefusesIs500NotA503) {
  db_->cart_failure = catalog::Error{catalog::ErrorKind::query, "syntax"};
  const Reply r = answer(cart_add(R"({"sku_id":21})"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.retry_after_seconds, 0);
}

TEST_F(ServiceFakesTest, ReadyzIsReadyWithTheDatasetVersionUntilDraining) {
  Reply r;
  ASSERT_TRUE(atelier::testing::eventually([&] {
    r = answer(get("/readyz"));
    return r.status == 200;
  })) << r.status
      << " " << body_of(r);
  EXPECT_NE(body_of(r).find(R"("dataset_version":42)"), std::string::npos) << body_of(r);
  EXPECT_NE(body_of(r).find(R"("products":10)"), std::string::npos) << body_of(r);
  EXPECT_EQ(r.cache_control, "no-store");

  service().start_draining();
  r = answer(get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  EXPECT_NE(body_of(r).find("draining"), std::string::npos) << body_of(r);
  EXPECT_EQ(answer(get("/healthz")).status, 200) << "a draining host is still alive";
}

TEST_F(ServiceFakesTest, ReadyzFollowsTheBackgroundCheckDownAndUpAgain) {
  db_->dataset_version = catalog::Error{catalog::ErrorKind::unavailable, "refused"};
  Reply r;
  ASSERT_TRUE(atelier::testing::eventually([&] {
    r = answer(get("/readyz"));
    return body_of(r).find(R"("database":"down")") != std::string::npos;
  })) << body_of(r);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
  {
    std::lock_guard lock(db_->mutex);
    db_->dataset_version = std::int64_t{43};
  }
  EXPECT_TRUE(atelier::testing::eventually([&] {
    r = answer(get("/readyz"));
    return r.status == 200;
  })) << body_of(r);
  EXPECT_NE(body_of(r).find(R"("dataset_version":43)"), std::string::npos) << body_of(r);
}

TEST_F(ServiceFakesTest, ReadyzWaitsForTheRevisionTable) {
  db_->revisions_ready = false;
  Reply r;
  ASSERT_TRUE(atelier::testing::eventually([&] {
    r = answer(get("/readyz"));
    return body_of(r).find("revisions") != std::string::npos;
  })) << body_of(r);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_seconds, 1);
}

}  // namespace
