// A tiny blocking HTTP/1.1 client for the tests: raw bytes out (so tests can send malformed
// requests), one parsed response in. One connection per call; the body is read by Content-Length
// or chunked encoding (or until close), so it works whether or not the server closes.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace atelier::testing {

struct HttpResponse {
  int status = 0;           // 0 = no parsable response (connection refused, closed, timeout)
  std::string status_line;  // e.g. "HTTP/1.1 200 OK"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // why status is 0

  std::optional<std::string> header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// base_url: "http://host:port[/...]", or "unix:/path" for a host's unix socket.

// One connection kept open across requests, for tests of keep-alive and of clients that read
// slowly: send() at any time; read_response() reads the next response off the stream, and bytes
// past it stay buffered for the next call. Receive and send time out after timeout_ms;
// receive_buffer > 0 sets SO_RCVBUF before connecting. source_address (an IPv4 literal, e.g.
// "127.0.0.9") binds the local end first, so a test can be a client address of its own: limits
// kept per client address then see only that test's connections.
class HttpConnection {
 public:
  explicit HttpConnection(const std::string& base_url, int timeout_ms = 10000,
                          int receive_buffer = 0, const std::string& source_address = "");
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  bool connected() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }  // why it is not connected
  bool send(const std::string& raw);                   // false: not all of it was sent
  HttpResponse read_response();
  std::size_t buffered() const { return data_.size(); }  // read, not yet returned
  // True when the server closes the connection (recv returns 0) within the timeout.
  bool closed_by_server();
  // True when the server has sent something (a response, or the end of the connection) that has
  // not been read yet; never waits.
  bool answered() const;

 private:
  std::string error_;  // before fd_: the constructor fills it while connecting
  int fd_;
  std::string data_;
};

// Sends `raw` as-is to base_url and reads one response.
HttpResponse http_raw(const std::string& base_url, const std::string& raw, int timeout_ms = 10000);

HttpResponse http_request(const std::string& base_url, const std::string& method,
                          const std::string& target, const std::string& body = "",
                          const Headers& headers = {}, int timeout_ms = 10000);

inline HttpResponse http_get(const std::string& base_url, const std::string& target,
                             const Headers& headers = {}) {
  return http_request(base_url, "GET", target, "", headers);
}

// The value of an environment variable the scripts export; the calling test fails (with a hint
// to use scripts/test) when it is missing.
std::string required_env(const char* name);

// Skips the calling test when scripts/test's stack has no unix sockets (NGINX_UPSTREAM=tcp, or a
// checkout path too long for one); otherwise "unix:" + HOST<index>_SOCKET.
#define ATELIER_UNIX_SOCKET_OR_SKIP(var, index)                                      \
  if (const char* mode = std::getenv("STACK_UPSTREAM");                              \
      mode != nullptr && std::string(mode) == "tcp") {                               \
    GTEST_SKIP() << "this stack's NGINX uses TCP to the hosts (STACK_UPSTREAM=tcp)"; \
  }                                                                                  \
  const std::string var = "unix:" + ::atelier::testing::required_env("HOST" #index "_SOCKET")

}  // namespace atelier::testing
