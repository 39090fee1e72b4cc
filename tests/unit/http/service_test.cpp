// Service (routing, method checks, negotiation of refusals, the cart's refusals, readiness) with
// its backends standing in for failing ones: a DATABASE_URL nothing listens on (port 1: refused at
// once) and no Redis. Everything a request thread answers by itself is checked here in-process;
// what needs the database comes back Deferred, and running it answers the 503 a host gives while
// its database is down. The same endpoints against a real PostgreSQL and Redis are the
// integration tests' (tests/integration/http).
#include "http/service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>

#include <memory>
#include <string>
#include <variant>

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

}  // namespace
