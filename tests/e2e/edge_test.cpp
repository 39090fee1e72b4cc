// The public edge (issue 19): NGINX of the test stack with its default limits, as scripts/up
// starts it. The operations endpoints are the hosts' own; cart writes are limited per session
// and per client address, connections per client address; size limits refuse with JSON at the
// edge and at a host alike. Each flood comes from a loopback address of its own (127.0.0.x), so
// the limits, which NGINX keeps per address, never reach the other tests' 127.0.0.1.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "polling.hpp"

namespace atelier::testing {
namespace {

std::string api() {
  return required_env("API_URL");
}

bool json_error(const HttpResponse& r) {
  return r.body.rfind("{\"error\":", 0) == 0 &&
         r.header("content-type").value_or("").find("application/json") != std::string::npos;
}

// A session token as a client sends it (long enough for any session rule of the cart).
std::string token(const std::string& tag) {
  return "edge-" + tag + "-" + std::to_string(::time(nullptr)) + "-0123456789abcdef0123456789";
}

std::string cart_add(const std::string& session, int sku) {
  const std::string body = "{\"sku_id\":" + std::to_string(sku) + "}";
  return "POST /cart HTTP/1.1\r\nHost: edge\r\nAuthorization: " + session +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Requests one after another on keep-alive connections from `source`, reconnecting when NGINX
// closes one; the statuses in order.
class Client {
 public:
  explicit Client(std::string source) : source_(std::move(source)) {}
  HttpResponse send(const std::string& raw) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!connection_ || !connection_->connected()) {
        connection_ = std::make_unique<HttpConnection>(api(), 10000, 0, source_);
      }
      if (connection_->send(raw)) {
        HttpResponse r = connection_->read_response();
        if (r.status != 0) {
          if (r.header("connection").value_or("") == "close") connection_.reset();
          return r;
        }
      }
      connection_.reset();
    }
    return {};
  }

 private:
  std::string source_;
  std::unique_ptr<HttpConnection> connection_;
};

TEST(Edge, OperationsEndpointsAreNotPublic) {
  for (const std::string target :
       {"/metrics", "/readyz", "/metrics/", "/readyz?verbose=1", "//metrics", "/%6detrics",
        "/api/fec2/hr-rfp/metrics", "/api/fec2/hr-rfp/readyz"}) {
    auto r = http_get(api(), target);
    EXPECT_EQ(r.status, 404) << target << ": " << r.body;
    EXPECT_TRUE(json_error(r)) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("atelier_"), std::string::npos) << target;
  }
  // Liveness stays public (load balancers in front of NGINX); the hosts' own ports serve both.
  EXPECT_EQ(http_get(api(), "/healthz").status, 200);
  const std::string host = required_env("HOST1_URL");
  EXPECT_EQ(http_get(host, "/readyz").status, 200);
  auto metrics = http_get(host, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("atelier_http_requests_total"), std::string::npos);
}

TEST(Edge, CartWritesPerSessionStopAFloodNotAShopper) {
  Client client("127.0.0.21");
  // A shopper adding nine items, a few tenths of a second apart: never limited.
  const std::string shopper = token("shopper");
  for (int i = 0; i < 9; ++i) {
    auto r = client.send(cart_add(shopper, 1));
    EXPECT_EQ(r.status, 201) << "add " << i << ": " << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // A script adding as fast as it can with one session: past the burst, 429 with JSON and
  // Retry-After; NGINX answers them itself.
  const std::string flood = token("flood");
  int limited = 0;
  int first_limited = -1;
  HttpResponse refusal;
  for (int i = 0; i < 80; ++i) {
    auto r = client.send(cart_add(flood, 1));
    ASSERT_NE(r.status, 0) << "add " << i << ": " << r.error;
    if (r.status == 429) {
      if (first_limited < 0) first_limited = i;
      ++limited;
      refusal = r;
    }
  }
  EXPECT_GE(limited, 40) << "of 80 back-to-back adds of one session";
  EXPECT_GE(first_limited, 15) << "the burst of a session is 20 adds";
  EXPECT_TRUE(json_error(refusal)) << refusal.body;
  EXPECT_EQ(refusal.header("retry-after").value_or(""), "1");
  // The same address, another session: the flood of one session is not the other's.
  EXPECT_EQ(client.send(cart_add(token("neighbour"), 1)).status, 201);
  // Reads of the flooding session are never limited.
  auto read =
      client.send("GET /cart HTTP/1.1\r\nHost: edge\r\nAuthorization: " + flood + "\r\n\r\n");
  EXPECT_EQ(read.status, 200) << read.body;
}

TEST(Edge, CartWritesPerAddressStopAFloodOfSessions) {
  Client flood("127.0.0.22");
  // Every add under a new session, as fast as possible: the per-session limit never bites, the
  // per-address one does (burst 200).
  int limited = 0;
  int first_limited = -1;
  HttpResponse refusal;
  const std::string prefix = token("many");
  for (int i = 0; i < 600; ++i) {
    auto r = flood.send(cart_add(prefix + "-" + std::to_string(i), 1));
    ASSERT_NE(r.status, 0) << "add " << i << ": " << r.error;
    if (r.status == 429) {
      if (first_limited < 0) first_limited = i;
      ++limited;
      refusal = r;
    }
  }
  EXPECT_GE(limited, 100) << "of 600 back-to-back adds from one address";
  EXPECT_GE(first_limited, 150) << "the burst of an address is 200 adds";
  EXPECT_TRUE(json_error(refusal)) << refusal.body;
  EXPECT_EQ(refusal.header("retry-after").value_or(""), "1");
  // A shopper at another address meanwhile: unaffected.
  Client shopper("127.0.0.23");
  EXPECT_EQ(shopper.send(cart_add(token("elsewhere"), 1)).status, 201);
}

TEST(Edge, ConnectionsPerAddressAreLimited) {
  const std::string source = "127.0.0.24";
  // A browser's handful of parallel connections: all served.
  {
    std::vector<std::unique_ptr<HttpConnection>> browser;
    for (int i = 0; i < 8; ++i) {
      browser.push_back(std::make_unique<HttpConnection>(api(), 5000, 0, source));
      ASSERT_TRUE(browser.back()->connected()) << browser.back()->error();
      ASSERT_TRUE(browser.back()->send("GET /products/" + std::to_string(i + 1) +
                                       " HTTP/1.1\r\nHost: edge\r\n\r\n"));
    }
    for (auto& c : browser) EXPECT_EQ(c->read_response().status, 200);
  }
  // A flood holding requests open (headers sent, the announced body never): NGINX counts each
  // while it waits. Past 256 of one address, the next are refused at once.
  const std::string held = "GET /products/1 HTTP/1.1\r\nHost: edge\r\nContent-Length: 5\r\n\r\n";
  std::vector<std::unique_ptr<HttpConnection>> open;
  const auto hold_256 = [&] {
    // A held request that NGINX answered instead (a 429 while the count still included a request
    // that had just ended, e.g. one of the browser's above whose worker had not yet let it go) is
    // no longer counted: replace it, so that exactly 256 are held when the probe asks.
    std::erase_if(open, [](const auto& c) { return c->answered(); });
    while (open.size() < 256) {
      open.push_back(std::make_unique<HttpConnection>(api(), 3000, 0, source));
      if (!open.back()->connected() || !open.back()->send(held)) return false;
    }
    return true;
  };
  ASSERT_TRUE(hold_256()) << open.back()->error();
  // NGINX counts a request once it has read its headers: wait until it refuses this address.
  const std::string plain = "GET /products/1 HTTP/1.1\r\nHost: edge\r\n\r\n";
  int last_status = -1;
  const auto status_from = [&](const std::string& address) {
    HttpConnection probe(api(), 3000, 0, address);
    last_status = probe.send(plain) ? probe.read_response().status : 0;
    return last_status;
  };
  ASSERT_TRUE(eventually([&] { return hold_256() && status_from(source) == 429; }))
      << "256 requests held open from one address were never limited; the last probe: "
      << last_status;
  int refused = 0;
  HttpResponse refusal;
  for (int i = 0; i < 20; ++i) {
    HttpConnection extra(api(), 3000, 0, source);
    ASSERT_TRUE(extra.connected()) << extra.error();
    ASSERT_TRUE(extra.send(held));
    auto r = extra.read_response();
    if (r.status == 429) {
      ++refused;
      refusal = r;
    }
  }
  EXPECT_EQ(refused, 20) << "requests past 256 held open from one address";
  EXPECT_TRUE(json_error(refusal)) << refusal.body;
  // Another address is not affected by this one's flood.
  HttpConnection other(api(), 3000, 0, "127.0.0.25");
  ASSERT_TRUE(other.send("GET /products/1 HTTP/1.1\r\nHost: edge\r\n\r\n"));
  EXPECT_EQ(other.read_response().status, 200);
  open.clear();  // the held requests end; the address is served again
  EXPECT_TRUE(eventually([&] { return status_from(source) == 200; }))
      << "the address was still limited after its held requests ended";
}

// Size limits: NGINX refuses what is over its limits with JSON; a host reached directly (its own
// port, as probes do) refuses what is over ATELIER_MAX_REQUEST_BYTES with JSON too; and whatever
// NGINX lets through, a host accepts (the limits are aligned: docs/SECURITY.md, "Header
// and body limits, aligned").
TEST(Edge, OversizeHeadersAndBodiesAreJsonRefusalsAtTheEdgeAndAtAHost) {
  const std::string host = required_env("HOST1_URL");
  const std::string big_line(9 * 1024, 'h');  // one header line over NGINX's 8k buffers
  auto edge_header = http_get(api(), "/products/1", {{"X-Big", big_line}});
  EXPECT_EQ(edge_header.status, 400) << edge_header.body;
  EXPECT_TRUE(json_error(edge_header)) << edge_header.body;
  const std::string huge_line(70 * 1024, 'h');  // over the host's 64 KiB
  auto host_header = http_get(host, "/products/1", {{"X-Big", huge_line}});
  EXPECT_TRUE(host_header.status == 413 || host_header.status == 431 || host_header.status == 400)
      << host_header.status;
  EXPECT_TRUE(json_error(host_header)) << host_header.body;

  const Headers json = {{"Authorization", token("size")}, {"Content-Type", "application/json"}};
  auto edge_body = http_request(api(), "POST", "/cart", std::string(17 * 1024, ' '), json);
  EXPECT_EQ(edge_body.status, 413) << edge_body.body;
  EXPECT_TRUE(json_error(edge_body)) << edge_body.body;
  auto host_body = http_request(host, "POST", "/cart", std::string(70 * 1024, ' '), json);
  EXPECT_EQ(host_body.status, 413) << host_body.body;
  EXPECT_TRUE(json_error(host_body)) << host_body.body;

  // Near the most NGINX passes: header lines just under its 8k buffers and a 16k body. The host
  // answers it as a request (the body is an add padded with blanks: 201), not as too large.
  Headers most = json;
  for (int i = 0; i < 2; ++i)
    most.push_back({"X-Pad-" + std::to_string(i), std::string(8000, 'p')});
  const std::string body = "{\"sku_id\":1}" + std::string(16 * 1024 - 13, ' ');
  auto largest = http_request(api(), "POST", "/cart", body, most);
  EXPECT_EQ(largest.status, 201) << largest.body;
}

}  // namespace
}  // namespace atelier::testing
