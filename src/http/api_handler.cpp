#include "http/api_handler.hpp"

#include <pistache/peer.h>

#include <functional>
#include <ostream>
#include <string_view>

#include "http/log.hpp"
#include "http/request_parsing.hpp"
#include "json/serialize.hpp"

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

// A response header with a runtime name. Pistache 0.0.5 only writes typed headers to the wire
// (`addRaw` ones are silently dropped), so every header we send goes through this class.
class NamedHeader : public Http::Header::Header {
 public:
  NamedHeader(const char* name, std::string value) : name_(name), value_(std::move(value)) {}
  const char* name() const override { return name_; }
  void write(std::ostream& stream) const override { stream << value_; }
#ifdef SAFE_HEADER_CAST
  // Only used by Pistache's checked header casts, which never target this class.
  uint64_t hash() const override {
    return std::hash<std::string_view>{}(name_);
  }
#endif

 private:
  const char* name_;  // always a string literal
  std::string value_;
};

void add_raw(Http::ResponseWriter& response, const char* name, std::string value) {
  response.headers().add(std::make_shared<NamedHeader>(name, std::move(value)));
}

// Pistache's own error replies are plain text; ours are JSON (CONTRACT §3).
void send_json_error(Http::ResponseWriter& response, int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body = json::write_error(message);
  send_reply(response, reply);
}

}  // namespace

void send_reply(Http::ResponseWriter& response, const Reply& reply) {
  add_raw(response, "Access-Control-Allow-Origin", "*");
  add_raw(response, "Content-Type", std::string(reply.content_type));
  if (!reply.allow.empty()) {
    add_raw(response, "Allow", std::string(reply.allow));
    if (reply.status == 204) {
      // CONTRACT §2: a preflight allows GET, POST, OPTIONS (Allow above is the route's own list).
      add_raw(response, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      add_raw(response, "Access-Control-Allow-Headers", "Authorization, Content-Type");
      add_raw(response, "Access-Control-Max-Age", "86400");
    }
  }
  if (!reply.etag.empty()) add_raw(response, "ETag", reply.etag);
  if (!reply.cache_control.empty())
    add_raw(response, "Cache-Control", std::string(reply.cache_control));
  if (!reply.set_cookie.empty()) add_raw(response, "Set-Cookie", reply.set_cookie);
  if (reply.retry_after_seconds > 0) {
    add_raw(response, "Retry-After", std::to_string(reply.retry_after_seconds));
  }
  const auto code = static_cast<Http::Code>(reply.status);
  if (reply.no_body) {
    response.send(code, nullptr, 0);
  } else {
    response.send(code, reply.body.data(), reply.body.size());
  }
}

void ApiHandler::onInput(const char* buffer, size_t len,
                         const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Mirrors Pistache 0.0.5 Http::Handler::onInput (src/common/http.cc), with JSON errors and an
  // explicit keep-alive rule. Pipelined requests are still not supported (pistache#1034): NGINX
  // never pipelines upstream.
  auto parser = getParser(peer);
  auto& request = parser->request;
  try {
    if (!parser->feed(buffer, len)) {
      parser->reset();
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      send_json_error(response, 413, "The request is too large.");
      return;
    }
    if (parser->parse() != Http::Private::State::Done) return;
    Http::ResponseWriter response(request.version(), transport(), this, peer);
    request.copyAddress(peer->address());
    auto connection = request.headers().tryGet<Http::Header::Connection>();
    Http::ConnectionControl control;
    if (connection) {
      control = connection->control();
    } else {
      // RFC 9112 §9.3: HTTP/1.1 is persistent by default, HTTP/1.0 is not.
      control = request.version() == Http::Version::Http11 ? Http::ConnectionControl::KeepAlive
                                                           : Http::ConnectionControl::Close;
    }
    response.headers().add<Http::Header::Connection>(control);
    peer->setIdle(false);
    onRequest(request, std::move(response));
    parser->reset();
  } catch (const Http::HttpError& err) {
    Http::ResponseWriter response(request.version(), transport(), this, peer);
    const int code = err.code();
    send_json_error(response, code >= 400 && code < 500 ? code : 400,
                    code == 413 ? "The request is too large." : invalid_http_message(err.reason()));
    parser->reset();
  } catch (const std::exception& e) {
    Http::ResponseWriter response(request.version(), transport(), this, peer);
    send_json_error(response, 400, "The request could not be read.");
    parser->reset();
  }
}

void ApiHandler::onRequest(const Http::Request& request, Http::ResponseWriter response) {
  // Nothing may escape into Pistache's reactor loop: every path ends in send_reply.
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
    // Pistache parses Authorization and Cookie into typed headers / the cookie jar, so they are
    // not available as raw headers.
    std::string authorization;
    if (auto header = request.headers().tryGet<Http::Header::Authorization>()) {
      authorization = header->value();
      view.authorization = authorization;
    }
    if (!is_acceptable_authorization(authorization) &&
        match_route(view.path).route == RouteId::cart) {
      send_json_error(response, 400,
                      "The Authorization header must be at most 1024 printable ASCII characters.");
      return;
    }
    std::string cookie;
    if (request.cookies().has("session")) {
      cookie = "session=" + request.cookies().get("session").value;
      view.cookie = cookie;
    }
    const auto if_none_match = raw_header(request, "If-None-Match");
    if (if_none_match) view.if_none_match = *if_none_match;
    view.body = request.body();
    if (request.body().size() > service_->config().max_request_bytes) {
      send_json_error(response, 413, "The request is too large.");
      return;
    }
    const Reply reply = service_->handle(view);
    if (service_->config().log_requests) {
      log_event("info", "request",
                {{"method", Http::methodString(request.method())},
                 {"path", view.path},
                 {"status", std::to_string(reply.status)}});
    }
    send_reply(response, reply);
  } catch (const std::exception& e) {
    log_event("error", "send_failed", {{"what", e.what()}});
    try {
      send_json_error(response, 500, "The service failed while answering; try again.");
    } catch (...) {
    }
  } catch (...) {
  }
}

void ApiHandler::onTimeout(const Http::Request&, Http::ResponseWriter response) {
  try {
    send_json_error(response, 408, "The request took too long to arrive.");
  } catch (...) {
  }
}

}  // namespace atelier::http
