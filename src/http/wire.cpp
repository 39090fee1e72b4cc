#include "http/wire.hpp"

#include <pistache/http_defs.h>

#include <charconv>

namespace atelier::http {

namespace {

// Pistache's reason phrases, as before responses were written here.
std::string_view reason_of(int status) {
  const char* reason = Pistache::Http::codeString(static_cast<Pistache::Http::Code>(status));
  return reason != nullptr && *reason != '\0' ? std::string_view(reason)
                                              : std::string_view("Status");
}

void append_number(std::string& out, long long value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

std::string response_head(const Reply& reply, bool http10, std::optional<bool> keep_alive) {
  std::string out;
  out.reserve(256);
  out.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, reply.status);
  out.push_back(' ');
  out.append(reason_of(reply.status));
  out.append("\r\n");
  header(out, "Content-Type", reply.content_type);
  if (reply.status != 204 && reply.status != 304) {
    out.append("Content-Length: ");
    append_number(out, static_cast<long long>(response_body(reply).size()));
    out.append("\r\n");
  }
  if (!reply.content_encoding.empty()) header(out, "Content-Encoding", reply.content_encoding);
  if (!reply.vary.empty()) header(out, "Vary", reply.vary);
  if (!reply.etag.empty()) header(out, "ETag", reply.etag);
  if (!reply.cache_control.empty()) header(out, "Cache-Control", reply.cache_control);
  header(out, "Access-Control-Allow-Origin", "*");
  if (!reply.allow.empty()) {
    header(out, "Allow", reply.allow);
    if (reply.status == 204) {
      // CONTRACT §2: a preflight allows GET, POST, OPTIONS (Allow above is the route's own list).
      header(out, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      header(out, "Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
      header(out, "Access-Control-Max-Age", "86400");
    }
  }
  if (!reply.set_cookie.empty()) header(out, "Set-Cookie", reply.set_cookie);
  if (reply.retry_after_seconds > 0) {
    out.append("Retry-After: ");
    append_number(out, reply.retry_after_seconds);
    out.append("\r\n");
  }
  if (keep_alive) header(out, "Connection", *keep_alive ? "keep-alive" : "close");
  out.append("\r\n");
  return out;
}

}  // namespace atelier::http
