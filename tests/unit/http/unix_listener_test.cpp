// UnixListener on its own, with a small Pistache handler instead of the API: the socket file's
// life (stale file replaced, other files refused, removed at the end), keep-alive over one
// connection, several connections at once, and connections closed on shutdown.
#include "http/unix_listener.hpp"

#include <gtest/gtest.h>
#include <pistache/http.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using atelier::http::UnixListener;

namespace {

// Answers every request with its own path, so a reply can be matched to its request.
class EchoPath : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(EchoPath)
  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override {
    response.send(Pistache::Http::Code::Ok, "path=" + request.resource());
  }
};

std::shared_ptr<Pistache::Http::Handler> echo_handler() {
  auto handler = std::make_shared<EchoPath>();
  handler->setMaxRequestSize(4096);
  handler->setMaxResponseSize(4096);
  return handler;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/atelier-unix-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Client {
 public:
  explicit Client(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Sends one GET and returns the whole response ("" if the connection ended first).
  std::string get(const std::string& target) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return "";
    }
    std::string data;
    char buffer[4096];
    for (;;) {
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto at = data.find("Content-Length: ");
        if (at != std::string::npos && at < end) {
          const std::size_t length = std::strtoul(data.c_str() + at + 16, nullptr, 10);
          if (data.size() >= end + 4 + length) return data;
        }
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return "";
      data.append(buffer, static_cast<std::size_t>(n));
    }
  }

  // True when the server closed the connection (recv returns 0) within the receive timeout.
  bool closed_by_server() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST(UnixListener, ServesKeepAliveRequestsAndRemovesItsSocketFile) {
  TempDir dir;
  const std::string path = dir.path() + "/host.sock";
  {
    UnixListener listener(path, echo_handler(), 2);
    listener.start();
    ASSERT_TRUE(exists(path));
    Client client(path);
    ASSERT_TRUE(client.connected());
    for (const std::string target : {"/a", "/products/2", "/c?x=1"}) {
      const std::string response = client.get(target);
      EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
      EXPECT_NE(response.find("path=" + target.substr(0, target.find('?'))), std::string::npos)
          << response;
    }
  }
  EXPECT_FALSE(exists(path)) << "the socket file outlived the listener";
  Client late(path);
  EXPECT_FALSE(late.connected());
}

TEST(UnixListener, SpreadsManyConnectionsAndAnswersEachOne) {
  TempDir dir;
  const std::string path = dir.path() + "/host.sock";
  UnixListener listener(path, echo_handler(), 3);
  listener.start();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 24; ++i) {
    clients.push_back(std::make_unique<Client>(path));
    ASSERT_TRUE(clients.back()->connected()) << "connection " << i;
  }
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const std::string target = "/c" + std::to_string(i) + "/" + std::to_string(round);
      EXPECT_NE(clients[i]->get(target).find("path=" + target), std::string::npos)
          << "connection " << i << " round " << round;
    }
  }
}

TEST(UnixListener, ClosesOpenConnectionsWhenItStops) {
  TempDir dir;
  const std::string path = dir.path() + "/host.sock";
  auto listener = std::make_unique<UnixListener>(path, echo_handler(), 1);
  listener->start();
  Client client(path);
  ASSERT_TRUE(client.connected());
  ASSERT_NE(client.get("/before").find("path=/before"), std::string::npos);
  listener.reset();
  EXPECT_TRUE(client.closed_by_server());
}

TEST(UnixListener, ReplacesAStaleSocketFileLeftByAKilledHost) {
  TempDir dir;
  const std::string path = dir.path() + "/host.sock";
  {
    // A socket file with nobody listening: what SIGKILL leaves behind.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  ASSERT_TRUE(exists(path));
  UnixListener listener(path, echo_handler(), 1);
  listener.start();
  Client client(path);
  ASSERT_TRUE(client.connected());
  EXPECT_NE(client.get("/fresh").find("path=/fresh"), std::string::npos);
}

TEST(UnixListener, RefusesToReplaceAFileThatIsNotASocket) {
  TempDir dir;
  const std::string path = dir.path() + "/data.json";
  std::ofstream(path) << "{}";
  EXPECT_THROW(UnixListener(path, echo_handler(), 1), std::invalid_argument);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "{}") << "the file was touched";
}

TEST(UnixListener, RefusesPathsThatDoNotFitASocketAddress) {
  EXPECT_THROW(UnixListener("", echo_handler(), 1), std::invalid_argument);
  EXPECT_THROW(UnixListener("/tmp/" + std::string(120, 'x'), echo_handler(), 1),
               std::invalid_argument);
  EXPECT_THROW(UnixListener("/nonexistent-dir/host.sock", echo_handler(), 1), std::system_error);
}
