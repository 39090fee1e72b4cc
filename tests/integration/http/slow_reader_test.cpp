// A client that does not read: the host writes replies straight to the socket (api_handler.cpp),
// and what the socket cannot take goes through Pistache's queue. The reply must still arrive
// whole, the worker must not block, and a later reply on the same connection must come after it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "http_client.hpp"

using atelier::testing::connect_to;
using atelier::testing::http_get;
using atelier::testing::required_env;

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads until `count` bytes arrived (or the 10 s receive timeout / the peer closes).
std::string read_exactly(int fd, std::size_t count) {
  std::string data;
  char buffer[65536];
  while (data.size() < count) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

// One response off the front of `data` (Content-Length framing): {status line, body}; the rest
// stays in `data`.
std::pair<std::string, std::string> take_response(int fd, std::string& data) {
  std::size_t end;
  while ((end = data.find("\r\n\r\n")) == std::string::npos) {
    const std::string more = read_exactly(fd, data.size() + 1);
    if (more.empty()) return {};
    data += more;
  }
  const std::string head = data.substr(0, end);
  const std::size_t at = head.find("Content-Length: ");
  if (at == std::string::npos) return {};
  const std::size_t length = std::strtoul(head.c_str() + at + 16, nullptr, 10);
  const std::size_t total = end + 4 + length;
  if (data.size() < total) data += read_exactly(fd, total - data.size());
  std::pair<std::string, std::string> out{head.substr(0, head.find("\r\n")),
                                          data.substr(end + 4, length)};
  data.erase(0, std::min(total, data.size()));
  return out;
}

// base: the host's TCP URL or its unix socket ("unix:/path").
void check_slow_reader(const std::string& base) {
  // A small receive buffer: the host's send cannot complete at once.
  Fd sock{connect_to(base, 10000, 4096)};
  ASSERT_GE(sock.fd, 0) << "cannot connect to " << base;

  // ~1 MB of JSON per request (every product of the test catalog), and nothing read: the kernel
  // takes up to tcp_wmem's maximum (4 MiB here) into the send queue, so the sixth reply at the
  // latest cannot be written at once and goes through Pistache's queue. One request at a time,
  // because Pistache 0.0.5 does not parse pipelined requests.
  constexpr int kBigReplies = 6;
  const std::string big = "GET /products?page=1&count=3000 HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < kBigReplies; ++i) {
    ASSERT_EQ(::send(sock.fd, big.data(), big.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(big.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  // The worker did not block on this connection: other clients are answered meanwhile.
  EXPECT_EQ(http_get(base, "/products/1").status, 200);
  // One more request on the same connection while the big replies are still being written.
  const std::string second = "GET /products/2 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(sock.fd, second.data(), second.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(second.size()));

  std::string data;
  std::string first_body;
  for (int i = 0; i < kBigReplies; ++i) {
    const auto reply = take_response(sock.fd, data);
    EXPECT_EQ(reply.first, "HTTP/1.1 200 OK") << "big reply " << i;
    rapidjson::Document page;
    page.Parse(reply.second.data(), reply.second.size());
    ASSERT_TRUE(page.IsArray()) << "big reply " << i << " is not one whole JSON array ("
                                << reply.second.size() << " bytes)";
    EXPECT_GT(page.Size(), 1000u);
    if (i == 0) first_body = reply.second;
    EXPECT_EQ(reply.second, first_body) << "big reply " << i;
  }
  EXPECT_GT(static_cast<double>(first_body.size()) * kBigReplies, 4.5 * 1024 * 1024)
      << "the replies must add up to more than the kernel's send queue takes";

  const auto second_reply = take_response(sock.fd, data);
  EXPECT_EQ(second_reply.first, "HTTP/1.1 200 OK");
  rapidjson::Document product;
  product.Parse(second_reply.second.data(), second_reply.second.size());
  ASSERT_TRUE(product.IsObject()) << second_reply.second.substr(0, 200);
  EXPECT_EQ(product["id"].GetInt64(), 2);
  EXPECT_TRUE(data.empty());
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
