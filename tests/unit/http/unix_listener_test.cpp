// UnixListener on its own, with a small Pistache handler instead of the API: the socket file's
// life (stale file replaced, other files refused, a running listener's path taken over by its
// successor, removed at the end), keep-alive over one connection, several connections at once,
// and connections closed on shutdown.
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

#include "http_client.hpp"

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

// Answers every request with its name: which of two listeners served it.
class Named : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Named)
  explicit Named(std::string name) : name_(std::move(name)) {}
  void onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter response) override {
    response.send(Pistache::Http::Code::Ok, name_);
  }

 private:
  std::string name_;
};

std::shared_ptr<Pistache::Http::Handler> named_handler(const std::string& name) {
  auto handler = std::make_shared<Named>(name);
  handler->setMaxRequestSize(4096);
  handler->setMaxResponseSize(4096);
  return handler;
}

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

// A client on the listener's socket: http_client's connection, kept open across requests.
class Client : public atelier::testing::HttpConnection {
 public:
  explicit Client(const std::string& path) : HttpConnection("unix:" + path, 5000) {}

  // Sends one GET and reads its response (status 0 if the connection ended first).
  atelier::testing::HttpResponse get(const std::string& target) {
    if (!send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")) return {};
    return read_response();
  }
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
      const auto response = client.get(target);
      EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK") << target << ": " << response.error;
      EXPECT_EQ(response.body, "path=" + target.substr(0, target.find('?')));
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
      EXPECT_EQ(clients[i]->get(target).body, "path=" + target)
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
  ASSERT_EQ(client.get("/before").body, "path=/before");
  listener.reset();
  EXPECT_TRUE(client.closed_by_server());
}

// scripts/rolling-restart: the successor binds beside the running listener, takes the path over
// when it starts, and keeps it when the one it replaced stops.
TEST(UnixListener, ASuccessorTakesThePathOverAndKeepsItWhenThePredecessorStops) {
  TempDir dir;
  const std::string path = dir.path() + "/host.sock";
  auto old_listener = std::make_unique<UnixListener>(path, named_handler("old"), 1);
  old_listener->start();
  Client kept(path);  // a connection made before the takeover, as NGINX's keep-alive ones
  ASSERT_TRUE(kept.connected());
  ASSERT_EQ(kept.get("/").body, "old");

  UnixListener successor(path, named_handler("new"), 1);
  {
    Client before_start(path);  // bound, not started: the path is still the old listener's
    ASSERT_TRUE(before_start.connected());
    EXPECT_EQ(before_start.get("/").body, "old");
  }
  successor.start();
  EXPECT_FALSE(old_listener->owns_path());
  EXPECT_TRUE(successor.owns_path());
  Client after_start(path);
  ASSERT_TRUE(after_start.connected());
  EXPECT_EQ(after_start.get("/").body, "new");
  EXPECT_EQ(kept.get("/").body, "old") << "a connection made before stays with its listener";

  old_listener.reset();
  ASSERT_TRUE(exists(path)) << "the predecessor removed its successor's socket file";
  Client later(path);
  ASSERT_TRUE(later.connected());
  EXPECT_EQ(later.get("/").body, "new");
  EXPECT_EQ(::access((path + ".new-" + std::to_string(::getpid())).c_str(), F_OK), -1)
      << "the temporary name was left behind";
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
  EXPECT_EQ(client.get("/fresh").body, "path=/fresh");
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
