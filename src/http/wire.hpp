// The bytes of a response head, written by us instead of Pistache's ResponseWriter (api_handler.cpp
// says why): status line, the headers every reply carries, Content-Length, the blank line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/reply.hpp"

namespace atelier::http {

// `http10`: answer with the request's version. `keep_alive`: a Connection header saying
// keep-alive (true) or close (false); none when nullopt (a request that could not be parsed).
// 204 and 304 carry no Content-Length and no body (RFC 9110 §8.6, §15.4.5).
std::string response_head(const Reply& reply, bool http10, std::optional<bool> keep_alive);

// The body bytes that follow the head: none for replies without a body and for 204 / 304.
inline std::string_view response_body(const Reply& reply) {
  if (reply.no_body || reply.status == 204 || reply.status == 304) return {};
  return reply.shared_body ? std::string_view(*reply.shared_body) : std::string_view(reply.body);
}

}  // namespace atelier::http
