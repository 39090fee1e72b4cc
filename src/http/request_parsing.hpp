// Pure request parsing and validation: string_view in, values or a client-facing error out.
// No Pistache types here, so all of it is unit-tested without a server (STYLE habit 5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "session/session_id.hpp"

namespace atelier::http {

// A 400/422 message for the client: one sentence a front-end developer can act on (CONTRACT §3).
struct BadRequest {
  std::string message;
};

template <typename T>
using Parsed = std::variant<T, BadRequest>;

// "/products/1/" -> "/products/1"; keeps "/" as is. Only one trailing slash is forgiven.
std::string_view strip_one_trailing_slash(std::string_view path);

// Route a method-independent path. Path segments are plain; ids stay strings until validated.
enum class RouteId {
  not_found,
  products,         // /products
  product,          // /products/:id
  product_styles,   // /products/:id/styles
  product_related,  // /products/:id/related
  cart,             // /cart
  healthz,
  readyz,
  metrics,
};

struct RouteMatch {
  RouteId route = RouteId::not_found;
  std::string_view product_id;  // raw text of :id for the product routes
};

RouteMatch match_route(std::string_view path);

// Methods allowed on a route, for 405 and the Allow header: "GET, OPTIONS" or "GET, POST, OPTIONS".
std::string_view allowed_methods(RouteId route);

// A product id: a whole number >= 1 that fits in int64 ("007" is accepted as 7; "+7", "7.0",
// "-1", "0", "", "1e3" and anything past 9223372036854775807 are not).
Parsed<std::int64_t> parse_product_id(std::string_view text);

struct PageRequest {
  std::int64_t page = 1;
  std::int64_t count = 5;
  // Ranks first..last (1-based), or empty when the page starts past int64 (then the page is []).
  std::optional<std::pair<std::int64_t, std::int64_t>> ranks() const;
};

// page/count as they came in the query (nullopt = absent -> default). max_count is configured.
Parsed<PageRequest> parse_page_request(std::optional<std::string_view> page,
                                       std::optional<std::string_view> count, int max_count);

// {"sku_id": 12} or {"sku_id": "12"}; anything else -> BadRequest.
Parsed<std::int64_t> parse_cart_body(std::string_view body);

// The session a cart belongs to (CONTRACT, Cart): the Authorization header's value when present
// and not blank, else the `session` cookie when its value is an id this service issued
// (session/session_id.hpp). An Authorization value under 20 characters is too_short (401): it
// could be guessed, like cart.csv's numeric legacy sessions.
struct SessionRef {
  enum class Kind { none, token, cookie, too_short };
  Kind kind = Kind::none;
  std::string value;
  bool found() const { return kind == Kind::token || kind == Kind::cookie; }
};
SessionRef session_from(std::optional<std::string_view> authorization,
                        std::optional<std::string_view> cookie_header);
// True for `application/json`, any case, with or without parameters (`; charset=utf-8`). A cart
// add in any other type is a 415: a plain HTML form on another page cannot post JSON.
bool is_json_content_type(std::string_view content_type);
// The Idempotency-Key header: absent -> no key; 8 to 64 visible ASCII characters -> the key;
// anything else -> 400.
Parsed<std::optional<std::string>> parse_idempotency_key(std::optional<std::string_view> header);
// Whether an X-Request-Id can be a cart add's request key: 1 to 64 visible ASCII characters. NGINX
// sets one on every request; a client that reaches a host directly may send anything, and a
// value PostgreSQL refuses (invalid UTF-8) would fail the whole group commit it joined, so such a
// value is not used (the host makes a key instead).
bool is_usable_request_id(std::string_view id);

// The value of one cookie in a Cookie header ("a=1; session=abc"), or nullopt.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

// False for an Authorization value that cannot name a cart session: anything but 1 to 1024
// printable ASCII characters once trimmed (a blank value is fine: it means "no session").
// PostgreSQL rejects invalid UTF-8, libpq cuts a parameter at NUL and an index row holds a few KB,
// so such a value would be a 500 or a silently different session; it is a 400 instead.
bool is_acceptable_authorization(std::string_view authorization);

// The checks NGINX makes before a request reaches the API, repeated on a host's own doors: its
// TCP port is reachable by health checkers and anything else on the network, so it must not be
// the softer door (issue 11 item 8).
//
// `request_line` is the request's first line without its CRLF ("GET /products/1 HTTP/1.1"); its
// target (between the first and the second space, where Pistache 0.0.5 reads it) must be
// printable ASCII. Control bytes (NUL, TAB, CR, LF, DEL, ...) and raw bytes >= 0x80 are refused:
// a client percent-encodes them, and a raw one would otherwise reach logs, metrics labels and the
// route matcher as it came.
std::optional<BadRequest> check_request_line(std::string_view request_line);

// An HTTP/1.1 request without a Host header is refused (RFC 9112 §3.2: "A server MUST respond
// with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header
// field"); HTTP/1.0 predates Host and may omit it.
std::optional<BadRequest> check_host_header(bool http_1_1, bool has_host);

// The error text for a request Pistache's parser rejected. Its own parser messages ("Unknown HTTP
// request method") are kept; anything else is a library exception's what() ("std::bad_alloc",
// "basic_string::_M_create" for absurd chunk sizes) and is not shown (CONTRACT §3).
std::string invalid_http_message(std::string_view parser_reason);

// True when an If-None-Match header value matches the strong ETag `etag` ("\"abc\"").
// Handles lists ("a", "b"), "*" and the weak prefix W/ (weak comparison, RFC 9110 §13.1.2).
bool if_none_match_matches(std::string_view header_value, std::string_view etag);

}  // namespace atelier::http
