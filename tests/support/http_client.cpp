#include "http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace atelier::testing {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool split_base(const std::string& base, std::string& host, std::string& port) {
  std::string rest = base;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  const auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    host = rest;
    port = "80";
  } else {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  return !host.empty();
}

// Parses what has been read so far; returns true when a full response is there, with `consumed`
// = how many bytes of `data` it took (the rest belongs to the next response).
bool try_parse(const std::string& data, bool closed, HttpResponse& out, std::size_t& consumed) {
  const auto header_end = data.find("\r\n\r\n");
  if (header_end == std::string::npos) return false;
  consumed = data.size();
  HttpResponse r;
  std::size_t line_end = data.find("\r\n");
  r.status_line = data.substr(0, line_end);
  if (r.status_line.size() < 12 || r.status_line.rfind("HTTP/1.", 0) != 0) {
    out.error = "bad status line: " + r.status_line;
    return true;
  }
  r.status = std::atoi(r.status_line.c_str() + 9);
  std::size_t pos = line_end + 2;
  while (pos < header_end) {
    const std::size_t end = data.find("\r\n", pos);
    const std::string line = data.substr(pos, end - pos);
    pos = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    auto [it, inserted] = r.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  const std::string rest = data.substr(header_end + 4);
  if (auto te = r.header("transfer-encoding");
      te && lower(*te).find("chunked") != std::string::npos) {
    std::string body;
    std::size_t p = 0;
    while (true) {
      const auto le = rest.find("\r\n", p);
      if (le == std::string::npos) return closed ? (out = r, true) : false;
      const std::size_t size = std::strtoul(rest.substr(p, le - p).c_str(), nullptr, 16);
      if (size == 0) {
        consumed = std::min(data.size(), header_end + 4 + le + 4);
        break;
      }
      if (rest.size() < le + 2 + size + 2) return closed ? (out = r, true) : false;
      body += rest.substr(le + 2, size);
      p = le + 2 + size + 2;
    }
    r.body = body;
    out = r;
    return true;
  }
  if (auto cl = r.header("content-length")) {
    const std::size_t length = std::strtoul(cl->c_str(), nullptr, 10);
    if (rest.size() < length) {
      if (!closed) return false;
      r.body = rest;
      r.error = "connection closed before the whole body arrived";
      out = r;
      return true;
    }
    r.body = rest.substr(0, length);
    consumed = header_end + 4 + length;
    out = r;
    return true;
  }
  if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
    consumed = header_end + 4;
    out = r;
    return true;
  }
  if (!closed) return false;
  r.body = rest;
  out = r;
  return true;
}

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

namespace {

// A connected socket to base_url ("http://host:port[/...]" or "unix:/path/to/socket"), with
// receive/send timeouts; fd -1 and `error` set when it fails.
int connect_socket(const std::string& base_url, int timeout_ms, std::string& error,
                   int receive_buffer = 0, const std::string& source_address = "") {
  const bool unix_socket = base_url.rfind("unix:", 0) == 0;
  sockaddr_un unix_address{};
  addrinfo* found = nullptr;
  if (unix_socket) {
    const std::string path = base_url.substr(5);
    if (path.empty() || path.size() >= sizeof unix_address.sun_path) {
      error = "bad unix socket path " + path;
      return -1;
    }
    unix_address.sun_family = AF_UNIX;
    path.copy(unix_address.sun_path, path.size());
  } else {
    std::string host, port;
    if (!split_base(base_url, host, port)) {
      error = "bad base url " + base_url;
      return -1;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      error = "cannot resolve " + host;
      return -1;
    }
  }
  const int fd = unix_socket ? ::socket(AF_UNIX, SOCK_STREAM, 0)
                             : ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Before connect(): TCP fixes its window scale during the handshake.
  if (receive_buffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  if (!source_address.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (unix_socket || ::inet_pton(AF_INET, source_address.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      error = "cannot bind to source address " + source_address;
      if (found != nullptr) freeaddrinfo(found);
      ::close(fd);
      return -1;
    }
  }
  int connected = unix_socket ? ::connect(fd, reinterpret_cast<const sockaddr*>(&unix_address),
                                          sizeof unix_address)
                              : ::connect(fd, found->ai_addr, found->ai_addrlen);
  if (found != nullptr) freeaddrinfo(found);
  if (connected != 0 && errno == EINTR) {
    // A signal (e.g. SIGCHLD from a test's std::system) interrupted connect(); the connection
    // goes on in the background: wait for it and read its outcome.
    pollfd pfd{fd, POLLOUT, 0};
    int ready = 0;
    do {
      ready = ::poll(&pfd, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    int so_error = ETIMEDOUT;
    socklen_t len = sizeof so_error;
    if (ready > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    connected = so_error == 0 ? 0 : -1;
    errno = so_error;
  }
  if (connected != 0) {
    error = std::string("connect: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

HttpConnection::HttpConnection(const std::string& base_url, int timeout_ms, int receive_buffer,
                               const std::string& source_address)
    : fd_(connect_socket(base_url, timeout_ms, error_, receive_buffer, source_address)) {}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::send(const std::string& raw) {
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(fd_, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

HttpResponse HttpConnection::read_response() {
  HttpResponse result;
  if (fd_ < 0) {
    result.error = error_;
    return result;
  }
  std::size_t consumed = 0;
  if (try_parse(data_, false, result, consumed)) {
    data_.erase(0, consumed);
    return result;
  }
  char buffer[65536];
  while (true) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      data_.append(buffer, static_cast<std::size_t>(n));
      if (try_parse(data_, false, result, consumed)) {
        data_.erase(0, consumed);
        return result;
      }
      continue;
    }
    if (n == 0 || errno != EINTR) {
      if (try_parse(data_, true, result, consumed)) {
        data_.erase(0, consumed);
      } else {
        result.error = n == 0 ? "connection closed without a response" : "timeout or error";
      }
      if (n < 0 && result.status == 0) result.error = std::string("recv: ") + std::strerror(errno);
      return result;
    }
  }
}

bool HttpConnection::closed_by_server() {
  if (!data_.empty()) return false;
  char byte;
  ssize_t n;
  do {
    n = ::recv(fd_, &byte, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) data_.push_back(byte);
  return n == 0;
}

bool HttpConnection::answered() const {
  if (!data_.empty()) return true;
  pollfd waiting{fd_, POLLIN, 0};
  return ::poll(&waiting, 1, 0) > 0;
}

HttpResponse http_raw(const std::string& base_url, const std::string& raw, int timeout_ms) {
  HttpConnection connection(base_url, timeout_ms);
  // A send cut short is not the end: the server may answer (413) before reading everything.
  if (connection.connected()) connection.send(raw);
  return connection.read_response();
}

HttpResponse http_request(const std::string& base_url, const std::string& method,
                          const std::string& target, const std::string& body,
                          const Headers& headers, int timeout_ms) {
  std::string authority = "localhost";  // a unix socket has no host:port; the hosts ignore Host
  if (base_url.rfind("unix:", 0) != 0) {
    std::string host, port;
    split_base(base_url, host, port);
    authority = host + ":" + port;
  }
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    raw += name + ": " + value + "\r\n";
    if (lower(name) == "content-length") has_length = true;
  }
  if (!body.empty() && !has_length)
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (body.empty() && method == "POST" && !has_length) raw += "Content-Length: 0\r\n";
  raw += "\r\n" + body;
  return http_raw(base_url, raw, timeout_ms);
}

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run the integration tests through scripts/test, which "
                  << "starts PostgreSQL, Redis, the hosts and NGINX and exports it.";
    return {};
  }
  return value;
}

}  // namespace atelier::testing
