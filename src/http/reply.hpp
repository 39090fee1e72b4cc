// What an endpoint answers, independent of Pistache: the handler turns it into bytes on the wire.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace atelier::http {

enum class Method { get, post, options, other };

// The parts of a request the endpoints look at, already extracted from Pistache's types.
struct RequestView {
  Method method = Method::get;
  std::string_view method_name;  // as received, for logs
  std::string_view path;
  std::optional<std::string_view> page;
  std::optional<std::string_view> count;
  std::optional<std::string_view> authorization;
  std::optional<std::string_view> cookie;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> accept_encoding;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> idempotency_key;
  // Set by the edge (NGINX): the scheme the client used ("https" -> the cookie gets Secure), and
  // the edge's id of this client request (the same on a retry to another host).
  std::optional<std::string_view> forwarded_proto;
  std::optional<std::string_view> request_id;
  std::string_view body;
};

// A RequestView's bytes, owned: what database work run on another thread keeps of its request.
class OwnedRequest {
 public:
  explicit OwnedRequest(const RequestView& view);
  OwnedRequest(const OwnedRequest&) = delete;
  OwnedRequest& operator=(const OwnedRequest&) = delete;
  const RequestView& view() const { return view_; }

 private:
  std::string storage_;
  RequestView view_;
};

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

struct Reply {
  int status = 200;
  std::string body;
  // When set, the body instead of `body`: bytes kept in a cache entry, sent without a copy (the
  // pointer shares the entry's ownership, so an eviction meanwhile cannot free them).
  std::shared_ptr<const std::string> shared_body;
  std::string_view content_type = kJsonContentType;
  std::string etag;                   // product responses: strong ETag (quotes included)
  std::string_view content_encoding;  // "" = identity; else the coding of `body` ("gzip")
  std::string_view vary;              // product responses: "Accept-Encoding"
  std::string_view cache_control;     // "" = none
  std::string_view allow;             // 405 and OPTIONS
  std::string set_cookie;             // new cart session
  int retry_after_seconds = 0;        // 503
  bool no_body = false;               // 204 / 304
  bool close = false;                 // answer with Connection: close and close (a refusal)
};

// An error reply: `status` with the JSON body {"error": message} (CONTRACT §3).
Reply json_error(int status, std::string_view message);

}  // namespace atelier::http
