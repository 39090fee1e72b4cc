#include "http/api_handler.hpp"

#include <pistache/peer.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/log.hpp"
#include "http/request_parsing.hpp"
#include "http/wire.hpp"

namespace atelier::http {

namespace Http = Pistache::Http;

namespace {

Method method_of(Http::Method m) {
  switch (m) {
    case Http::Method::Get:
      return Method::get;
    case Http::Method::Post:
      return Method::post;
    case Http::Method::Options:
      return Method::options;
    default:
      return Method::other;
  }
}

// A copy: tryGetRaw returns the header by value, so a view into it would dangle.
std::optional<std::string> raw_header(const Http::Request& request, const std::string& name) {
  auto header = request.headers().tryGetRaw(name);
  if (!header) return std::nullopt;
  return header->value();
}

constexpr const char* kTooLarge = "The request is too large.";

// A request the host refuses before answering it: the status and the JSON error's message. The
// parse steps below throw it from inside Pistache's parser; onInput catches it and replies.
class RefusedRequest : public std::runtime_error {
 public:
  RefusedRequest(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Pistache's request line step, then the checks NGINX makes on a request line
// (request_parsing.hpp check_request_line): the host's own TCP port and unix socket must be as
// strict as NGINX in front of them.
class StrictRequestLineStep : public Http::Private::RequestLineStep {
 public:
  using RequestLineStep::RequestLineStep;
  Http::Private::State apply(Pistache::StreamCursor& cursor) override {
    const std::size_t start = cursor;
    const Http::Private::State state = RequestLineStep::apply(cursor);
    if (state == Http::Private::State::Next) {
      // The step consumed the line and its CRLF.
      const std::size_t length = cursor.diff(start);
      const std::string_view line(cursor.offset(start), length >= 2 ? length - 2 : length);
      if (auto bad = check_request_line(line)) throw RefusedRequest(400, bad->message);
    }
    return state;
  }
};

// A request body must come with a Content-Length. Pistache 0.0.5's chunked-body parser reserves
// each chunk's declared size before reading it (a "fffffffffff" chunk line is one allocation of
// 16 TiB) and strtol()s its unterminated input buffer, so chunked bodies are refused before that
// parser runs. Nothing legitimate is lost: NGINX always forwards bodies with a Content-Length, and
// the API's only body (a cart POST) is a few bytes.
class LengthOnlyBodyStep : public Http::Private::BodyStep {
 public:
  using BodyStep::BodyStep;
  Http::Private::State apply(Pistache::StreamCursor& cursor) override {
    if (message->headers().has<Http::Header::TransferEncoding>() ||
        message->headers().tryGetRaw("Transfer-Encoding")) {
      throw RefusedRequest(
          411, "Chunked request bodies are not accepted; send the body with a Content-Length.");
    }
    return BodyStep::apply(cursor);
  }
};

// What the host keeps per connection, where Pistache keeps its request parser (onConnection
// installs one on every peer): the parser, with the strict request line and refusing chunked
// bodies, whether a reply ever had to be queued (see send), and the Link it shares with the
// database workers.
class Connection : public Http::RequestParser {
 public:
  explicit Connection(std::size_t max_request_bytes) : Http::RequestParser(max_request_bytes) {
    allSteps[0] = std::make_unique<StrictRequestLineStep>(&request);
    allSteps[2] = std::make_unique<LengthOnlyBodyStep>(&request);
  }
  std::shared_ptr<Link> link = std::make_shared<Link>();
};

Connection& connection_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  return static_cast<Connection&>(*Http::Handler::getParser(peer));
}

ssize_t send_parts(int fd, std::string_view head, std::string_view body) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = body.empty() ? 1 : 2;
  ssize_t n;
  do {
    n = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n;
}

// After an answer with Connection: close, once all of it is in the socket: the FIN follows the
// bytes, and Pistache sees the end of input and drops the connection. Without this, Pistache would
// keep reading the rest of a refused request as new requests.
void close_after(int fd) {
  ::shutdown(fd, SHUT_RDWR);
}

// Writes the reply with one sendmsg(). What the socket does not take at once goes through
// Pistache's write queue, and so does every later reply on that connection, which keeps them in
// order. Called with the link's mutex held (the reactor thread's replies and a database worker's
// never interleave: a connection has one request at a time). Never throws.
void write_reply(Link& link, const std::shared_ptr<Pistache::Tcp::Peer>& peer, const Reply& reply,
                 Http::Version version, std::optional<bool> keep_alive) noexcept {
  try {
    std::string head = response_head(reply, version == Http::Version::Http10, keep_alive);
    const std::string_view body = response_body(reply);
    const std::size_t total = head.size() + body.size();
    const bool closing = keep_alive && !*keep_alive;
    peer->setIdle(true);  // what Pistache's ResponseWriter does: the keep-alive timer applies again
    std::size_t sent = 0;
    if (!link.replies_queued) {
      const ssize_t n = send_parts(link.fd, head, body);
      if (n >= 0 && static_cast<std::size_t>(n) == total) {
        if (closing) close_after(link.fd);
        return;
      }
      // The peer is gone: Pistache notices on its next read and drops the connection.
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;
      sent = n > 0 ? static_cast<std::size_t>(n) : 0;
      link.replies_queued = true;
    }
    // The socket's send buffer is full (a client that reads slowly): Pistache's queue waits for
    // EPOLLOUT and writes the rest in order, without blocking any thread. Pistache addresses that
    // queue by descriptor, as its own ResponseWriter does from any thread. (A closing answer
    // queued here is not followed by a shutdown: the client was told to close, and later input
    // is dropped, Link::refused.)
    std::string rest;
    rest.reserve(total - sent);
    if (sent < head.size()) {
      rest.append(head, sent);
      rest.append(body);
    } else {
      rest.append(body.substr(sent - head.size()));
    }
    const std::size_t size = rest.size();
    peer->send(Pistache::RawBuffer(std::move(rest), size));
  } catch (const std::exception& e) {
    log_event("error", "send_failed", {{"what", e.what()}});
  } catch (...) {
  }
}

// The reactor thread's answer to the request it just read.
void send(Connection& connection, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
          const Reply& reply, Http::Version version, std::optional<bool> keep_alive) noexcept {
  Link& link = *connection.link;
  std::lock_guard lock(link.mutex);
  link.busy = false;
  write_reply(link, peer, reply, version, keep_alive);
}

// A deferred answer, from a database worker (or the deadline thread): written under the link's
// mutex, and only while the connection is still the one the request came on (Link::closed).
void send_deferred(Link& link, const Reply& reply, Http::Version version, bool keep_alive,
                   bool draining) noexcept {
  std::lock_guard lock(link.mutex);
  link.busy = false;
  if (link.closed) return;
  const auto peer = link.peer.lock();
  if (!peer) return;
  write_reply(link, peer, reply, version, keep_alive && !draining && !reply.close);
}

}  // namespace

void Links::add(const std::shared_ptr<Link>& link) {
  std::lock_guard lock(mutex_);
  links_.insert(link);
}

void Links::remove(const std::shared_ptr<Link>& link) {
  std::lock_guard lock(mutex_);
  links_.erase(link);
}

std::size_t Links::close_idle() {
  std::lock_guard lock(mutex_);
  std::size_t closed = 0;
  for (const auto& link : links_) {
    std::lock_guard link_lock(link->mutex);
    if (link->closed || link->busy) continue;
    close_after(link->fd);
    ++closed;
  }
  return closed;
}

std::size_t Links::busy() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& link : links_) {
    std::lock_guard link_lock(link->mutex);
    if (!link->closed && link->busy) ++count;
  }
  return count;
}

void ApiHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // What Pistache's Http::Handler::onConnection does, with our per-connection state.
  auto connection = std::make_shared<Connection>(getMaxRequestSize());
  connection->link->fd = peer->fd();
  connection->link->peer = peer;
  links_->add(connection->link);
  peer->putData(ParserData, connection);
  // A connection that arrives while the host drains is still served (the listener is open until
  // the drain delay ends); each of its answers says Connection: close.
}

void ApiHandler::onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Runs on the reactor thread before Pistache closes the descriptor (Transport::
  // handlePeerDisconnection): after this no worker writes to it.
  try {
    auto link = connection_of(peer).link;
    {
      std::lock_guard lock(link->mutex);
      link->closed = true;
    }
    links_->remove(link);
  } catch (...) {
  }
}

void ApiHandler::onInput(const char* buffer, size_t len,
                         const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Mirrors Pistache 0.0.5 Http::Handler::onInput (src/common/http.cc), with JSON errors and an
  // explicit keep-alive rule. Pipelined requests are still not supported (pistache#1034): NGINX
  // never pipelines upstream.
  auto parser = getParser(peer);
  auto& connection = static_cast<Connection&>(*parser);
  auto& request = parser->request;
  Link& link = *connection.link;
  {
    std::lock_guard lock(link.mutex);
    // Input while an answer is owed is a pipelined request, and input after a refusal is the
    // rest of the refused request: neither is read.
    if (link.busy || link.refused) return;
  }
  const auto refuse = [&](const Reply& reply) {
    {
      std::lock_guard lock(link.mutex);
      link.refused = true;
    }
    send(connection, peer, reply, request.version(), false);
    parser->reset();
  };
  try {
    if (!parser->feed(buffer, len)) {
      refuse(json_error(413, kTooLarge));
      return;
    }
    if (parser->parse() != Http::Private::State::Done) return;
    if (auto bad = check_host_header(request.version() == Http::Version::Http11,
                                     request.headers().tryGetRaw("Host").has_value())) {
      throw RefusedRequest(400, bad->message);
    }
    request.copyAddress(peer->address());
    bool keep_alive;
    if (auto connection_header = request.headers().tryGet<Http::Header::Connection>()) {
      keep_alive = connection_header->control() == Http::ConnectionControl::KeepAlive;
    } else {
      // RFC 9112 §9.3: HTTP/1.1 is persistent by default, HTTP/1.0 is not.
      keep_alive = request.version() == Http::Version::Http11;
    }
    peer->setIdle(false);
    {
      std::lock_guard lock(link.mutex);
      link.busy = true;
    }
    Outcome outcome = answer(request);
    const Http::Version version = request.version();
    if (auto* reply = std::get_if<Reply>(&outcome)) {
      send(connection, peer, *reply, version, keep_alive && !service_->draining() && !reply->close);
    } else {
      // The request's bytes were copied into the Deferred: the parser is free again.
      service_->submit(
          std::move(std::get<Deferred>(outcome)),
          [link = connection.link, version, keep_alive, service = service_](Reply&& reply) {
            send_deferred(*link, reply, version, keep_alive, service->draining());
          });
    }
    parser->reset();
  } catch (const RefusedRequest& refused) {
    refuse(json_error(refused.status(), refused.what()));
  } catch (const Http::HttpError& err) {
    const int code = err.code();
    const std::string message = code == 413 ? kTooLarge : invalid_http_message(err.reason());
    refuse(json_error(code >= 400 && code < 500 ? code : 400, message));
  } catch (const std::exception& e) {
    refuse(json_error(400, "The request could not be read."));
  }
}

Outcome ApiHandler::answer(const Http::Request& request) noexcept {
  // Nothing may escape into Pistache's reactor loop: every path ends in a Reply or a Deferred.
  try {
    RequestView view;
    view.method = method_of(request.method());
    view.path = request.resource();
    const auto& query = request.query();
    std::string page_text;
    std::string count_text;
    if (auto page = query.get("page")) {
      page_text = *page;
      view.page = page_text;
    }
    if (auto count = query.get("count")) {
      count_text = *count;
      view.count = count_text;
    }
    // Pistache parses Authorization, Cookie and Content-Type into typed headers / the cookie jar,
    // so they are not available as raw headers.
    std::string authorization;
    if (auto header = request.headers().tryGet<Http::Header::Authorization>()) {
      authorization = header->value();
      view.authorization = authorization;
    }
    std::string cookie;
    if (request.cookies().has("session")) {
      cookie = "session=" + request.cookies().get("session").value;
      view.cookie = cookie;
    }
    // The cart's own headers are looked up for /cart only: every product read would otherwise pay
    // for the copies (NGINX sends X-Request-Id and X-Forwarded-Proto on every request).
    const bool cart = match_route(view.path).route == RouteId::cart;
    std::string content_type;
    std::optional<std::string> idempotency_key, forwarded_proto, request_id;
    if (cart) {
      if (auto header = request.headers().tryGet<Http::Header::ContentType>()) {
        content_type = header->mime().toString();
        view.content_type = content_type;
      }
      idempotency_key = raw_header(request, "Idempotency-Key");
      if (idempotency_key) view.idempotency_key = *idempotency_key;
      forwarded_proto = raw_header(request, "X-Forwarded-Proto");
      if (forwarded_proto) view.forwarded_proto = *forwarded_proto;
      request_id = raw_header(request, "X-Request-Id");
      if (request_id) view.request_id = *request_id;
    }
    const auto if_none_match = raw_header(request, "If-None-Match");
    if (if_none_match) view.if_none_match = *if_none_match;
    const auto accept_encoding = raw_header(request, "Accept-Encoding");
    if (accept_encoding) view.accept_encoding = *accept_encoding;
    view.body = request.body();
    if (request.body().size() > service_->config().max_request_bytes) {
      return json_error(413, kTooLarge);
    }
    Outcome outcome = service_->handle(view);
    if (service_->config().log_requests) {
      const auto* reply = std::get_if<Reply>(&outcome);
      log_event("info", "request",
                {{"method", Http::methodString(request.method())},
                 {"path", view.path},
                 {"status", reply ? std::to_string(reply->status) : std::string("deferred")}});
    }
    return outcome;
  } catch (const std::exception& e) {
    log_event("error", "answer_failed", {{"what", e.what()}});
  } catch (...) {
  }
  try {
    return json_error(500, "The service failed while answering; try again.");
  } catch (...) {
    Reply bare;  // out of memory for even the error text: the status alone
    bare.status = 500;
    bare.no_body = true;
    return bare;
  }
}

void ApiHandler::onRequest(const Http::Request& request, Http::ResponseWriter response) {
  // Not reached: onInput above parses and answers itself. Kept because Pistache requires it.
  (void)request;
  (void)response;
}

void ApiHandler::onTimeout(const Http::Request& request, Http::ResponseWriter response) {
  try {
    if (auto peer = response.peer()) {
      send(connection_of(peer), peer, json_error(408, "The request took too long to arrive."),
           request.version(), false);
    }
  } catch (...) {
  }
}

}  // namespace atelier::http
