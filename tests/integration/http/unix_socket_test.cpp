// A host's unix socket (ATELIER_UNIX_SOCKET, what NGINX uses on one machine) is the same API as
// its TCP port: the same bytes, status codes, headers and JSON errors, on kept-alive connections.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <string>

#include "http_client.hpp"

namespace atelier::testing {
namespace {

TEST(UnixSocket, AnswersTheSameBytesAsTheTcpPort) {
  ATELIER_UNIX_SOCKET_OR_SKIP(unix_socket, 1);
  const std::string tcp = required_env("HOST1_URL");
  for (const std::string target :
       {"/products/1", "/products/1/styles", "/products/1/related", "/products?page=2&count=3",
        "/products/999999999", "/products/abc", "/nope", "/healthz"}) {
    const auto over_tcp = http_get(tcp, target);
    const auto over_unix = http_get(unix_socket, target);
    ASSERT_NE(over_unix.status, 0) << target << ": " << over_unix.error;
    EXPECT_EQ(over_unix.status, over_tcp.status) << target;
    EXPECT_EQ(over_unix.body, over_tcp.body) << target;
    EXPECT_EQ(over_unix.header("etag"), over_tcp.header("etag")) << target;
    EXPECT_EQ(over_unix.header("content-type"), over_tcp.header("content-type")) << target;
  }
  EXPECT_EQ(http_get(unix_socket, "/products/abc").status, 400);
  EXPECT_EQ(http_get(unix_socket, "/products/999999999").status, 404);
}

// The unix socket is the same door as the TCP port (same ApiHandler): as strict as NGINX.
TEST(UnixSocket, RefusesWhatTheTcpPortRefuses) {
  ATELIER_UNIX_SOCKET_OR_SKIP(unix_socket, 1);
  using namespace std::string_literals;
  for (const std::string& raw :
       {"GET /products/1 HTTP/1.1\r\n\r\n"s, "GET /products/1?x=\0 HTTP/1.1\r\nHost: x\r\n\r\n"s,
        "GET /products/1\x01 HTTP/1.1\r\nHost: x\r\n\r\n"s,
        "GET /products/1?q=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"s}) {
    const auto r = http_raw(unix_socket, raw);
    EXPECT_EQ(r.status, 400) << r.error;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
  }
}

// The first sku of product 1's styles, read over the unix socket.
std::int64_t first_sku(const std::string& base) {
  rapidjson::Document doc;
  const std::string body = http_get(base, "/products/1/styles").body;
  doc.Parse(body.c_str(), body.size());
  if (!doc.IsObject() || !doc.HasMember("results")) return 0;
  for (const auto& style : doc["results"].GetArray()) {
    for (const auto& sku : style["skus"].GetObject()) {
      if (std::string(sku.name.GetString()) != "null") return std::stoll(sku.name.GetString());
    }
  }
  return 0;
}

TEST(UnixSocket, CartWritesAndReadsBack) {
  ATELIER_UNIX_SOCKET_OR_SKIP(unix_socket, 1);
  const auto sku = first_sku(unix_socket);
  ASSERT_GT(sku, 0);
  const Headers session = {{"Authorization", "unix-socket-test-" + std::to_string(::getpid())},
                           {"Content-Type", "application/json"}};
  const std::string body = "{\"sku_id\":" + std::to_string(sku) + "}";
  const auto added = http_request(unix_socket, "POST", "/cart", body, session);
  EXPECT_EQ(added.status, 201) << added.body;
  const auto cart = http_get(unix_socket, "/cart", session);
  EXPECT_EQ(cart.status, 200);
  EXPECT_EQ(cart.body, "[{\"sku_id\":" + std::to_string(sku) + ",\"count\":\"1\"}]");
  const auto bad = http_request(unix_socket, "POST", "/cart", "{nope", session);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"error\""), std::string::npos) << bad.body;
}

TEST(UnixSocket, KeepsTheConnectionAliveAcrossRequests) {
  ATELIER_UNIX_SOCKET_OR_SKIP(unix_socket, 1);
  HttpConnection connection(unix_socket);
  ASSERT_TRUE(connection.connected()) << connection.error();
  // One request at a time: Pistache 0.0.5 does not parse pipelined requests.
  for (const int id : {1, 2, 1}) {
    ASSERT_TRUE(
        connection.send("GET /products/" + std::to_string(id) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto reply = connection.read_response();
    ASSERT_NE(reply.status, 0) << "no answer for product " << id << ": " << reply.error;
    EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
    EXPECT_NE(reply.body.find("\"id\":" + std::to_string(id) + ","), std::string::npos);
    EXPECT_EQ(reply.header("connection").value_or(""), "keep-alive");
  }
}

}  // namespace
}  // namespace atelier::testing
