// A client that does not read: the host writes replies straight to the socket (api_handler.cpp),
// and what the socket cannot take goes through Pistache's queue. The reply must still arrive
// whole, the worker must not block, and a later reply on the same connection must come after it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <thread>

#include "http_client.hpp"

using atelier::testing::http_get;
using atelier::testing::HttpConnection;
using atelier::testing::required_env;

namespace {

// base: the host's TCP URL or its unix socket ("unix:/path").
void check_slow_reader(const std::string& base) {
  // A small receive buffer: the host's send cannot complete at once.
  HttpConnection connection(base, 10000, 4096);
  ASSERT_TRUE(connection.connected()) << "cannot connect to " << base << ": " << connection.error();

  // ~1 MB of JSON per request (every product of the test catalog), and nothing read: the kernel
  // takes up to tcp_wmem's maximum (4 MiB here) into the send queue, so the sixth reply at the
  // latest cannot be written at once and goes through Pistache's queue. One request at a time,
  // because Pistache 0.0.5 does not parse pipelined requests.
  constexpr int kBigReplies = 6;
  const std::string big = "GET /products?page=1&count=3000 HTTP/1.1\r\nHost: x\r\n\r\n";
  // Cached first, so every one is answered on the connection's own thread at once: a miss goes to
  // the database workers, and a request sent before its answer would be a pipelined one.
  ASSERT_EQ(http_get(base, "/products?page=1&count=3000").status, 200);
  for (int i = 0; i < kBigReplies; ++i) {
    ASSERT_TRUE(connection.send(big));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  // The worker did not block on this connection: other clients are answered meanwhile.
  EXPECT_EQ(http_get(base, "/products/1").status, 200);
  // One more request on the same connection while the big replies are still being written.
  const std::string second = "GET /products/2 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(connection.send(second));

  std::string first_body;
  for (int i = 0; i < kBigReplies; ++i) {
    const auto reply = connection.read_response();
    EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK") << "big reply " << i;
    EXPECT_TRUE(reply.header("content-length")) << "big reply " << i;
    rapidjson::Document page;
    page.Parse(reply.body.data(), reply.body.size());
    ASSERT_TRUE(page.IsArray()) << "big reply " << i << " is not one whole JSON array ("
                                << reply.body.size() << " bytes)";
    EXPECT_GT(page.Size(), 1000u);
    if (i == 0) first_body = reply.body;
    EXPECT_EQ(reply.body, first_body) << "big reply " << i;
  }
  EXPECT_GT(static_cast<double>(first_body.size()) * kBigReplies, 4.5 * 1024 * 1024)
      << "the replies must add up to more than the kernel's send queue takes";

  const auto second_reply = connection.read_response();
  EXPECT_EQ(second_reply.status_line, "HTTP/1.1 200 OK");
  rapidjson::Document product;
  product.Parse(second_reply.body.data(), second_reply.body.size());
  ASSERT_TRUE(product.IsObject()) << second_reply.body.substr(0, 200);
  EXPECT_EQ(product["id"].GetInt64(), 2);
  EXPECT_EQ(connection.buffered(), 0u) << "bytes after the last reply";
}

}  // namespace

TEST(SlowReader, LargeReplyArrivesWholeAndLaterRepliesFollowIt) {
  check_slow_reader(required_env("HOST1_URL"));
}

// The same over the unix socket NGINX uses on one machine (UnixListener): its connections run on
// their own Pistache transports, with the same direct write and the same queue fallback.
TEST(SlowReader, OverTheUnixSocketToo) {
  ATELIER_UNIX_SOCKET_OR_SKIP(unix_socket, 1);
  check_slow_reader(unix_socket);
}
