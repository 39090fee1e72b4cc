#include "http/request_parsing.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include <array>
#include <charconv>
#include <limits>

namespace atelier::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    const std::size_t end = path.find('/', start);
    const std::size_t stop = end == std::string_view::npos ? path.size() : end;
    parts.push_back(path.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Whole number >= 1, at most int64. Digits only.
std::optional<std::int64_t> positive_int64(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view strip_one_trailing_slash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

RouteMatch match_route(std::string_view raw_path) {
  const std::string_view path = strip_one_trailing_slash(raw_path);
  if (path.empty() || path.front() != '/') return {};
  const auto parts = split_path(path);
  if (parts.empty()) return {};
  if (parts.size() == 1) {
    if (parts[0] == "products") return {RouteId::products, {}};
    if (parts[0] == "cart") return {RouteId::cart, {}};
    if (parts[0] == "healthz") return {RouteId::healthz, {}};
    if (parts[0] == "readyz") return {RouteId::readyz, {}};
    if (parts[0] == "metrics") return {RouteId::metrics, {}};
    return {};
  }
  if (parts[0] != "products" || parts[1].empty()) return {};
  if (parts.size() == 2) return {RouteId::product, parts[1]};
  if (parts.size() == 3) {
    if (parts[2] == "styles") return {RouteId::product_styles, parts[1]};
    if (parts[2] == "related") return {RouteId::product_related, parts[1]};
  }
  return {};
}

std::string_view allowed_methods(RouteId route) {
  switch (route) {
    case RouteId::cart:
      return "GET, POST, OPTIONS";
    case RouteId::not_found:
      return "";
    default:
      return "GET, OPTIONS";
  }
}

Parsed<std::int64_t> parse_product_id(std::string_view text) {
  if (auto id = positive_int64(text)) return *id;
  return BadRequest{"product_id must be a whole number from 1 to 9223372036854775807."};
}

std::optional<std::pair<std::int64_t, std::int64_t>> PageRequest::ranks() const {
  // first = (page-1)*count + 1; a page that starts beyond int64 is simply past the end.
  std::int64_t skipped = 0;
  if (__builtin_mul_overflow(page - 1, count, &skipped)) return std::nullopt;
  std::int64_t first = 0;
  if (__builtin_add_overflow(skipped, std::int64_t{1}, &first)) return std::nullopt;
  std::int64_t last = 0;
  if (__builtin_add_overflow(skipped, count, &last))
    last = std::numeric_limits<std::int64_t>::max();
  return std::make_pair(first, last);
}

Parsed<PageRequest> parse_page_request(std::optional<std::string_view> page,
                                       std::optional<std::string_view> count, int max_count) {
  PageRequest request;
  if (page) {
    auto value = positive_int64(*page);
    if (!value) {
      return BadRequest{"page must be a whole number from 1 to 9223372036854775807."};
    }
    request.page = *value;
  }
  if (count) {
    auto value = positive_int64(*count);
    if (!value || *value > max_count) {
      return BadRequest{"count must be a whole number from 1 to " + std::to_string(max_count) +
                        "."};
    }
    request.count = *value;
  }
  return request;
}

Parsed<std::int64_t> parse_cart_body(std::string_view body) {
  static const BadRequest kShape{
      "Send a JSON body like {\"sku_id\": 123} with a positive whole-number sku_id."};
  if (body.empty()) return BadRequest{"The request body is empty; send {\"sku_id\": 123}."};
  // JSON text never holds a raw NUL; RapidJSON takes one for the end of the input and would accept
  // `{"sku_id":1}<NUL>junk`.
  if (body.find('\0') != std::string_view::npos) {
    return BadRequest{"The request body is not valid JSON."};
  }
  rapidjson::Document doc;
  // kParseStopWhenDoneFlag is not used: trailing garbage after the object is an error.
  // kParseIterativeFlag: the default parser recurses once per nesting level, so a body of ~200 KB
  // of '[' overflows an 8 MiB thread stack and kills the host (see the cart_body fuzz test);
  // the iterative parser keeps its state on the heap and accepts the same JSON.
  constexpr unsigned kFlags = rapidjson::kParseDefaultFlags | rapidjson::kParseIterativeFlag;
  // A bare MemoryStream, not Parse(str, length): that wraps the bytes in an EncodedInputStream
  // which drops any leading 0xEF, 0xBB and 0xBF byte, even alone ("\xEF{...}" was accepted). The
  // reader stops at a NUL as if at the end, so the whole body must have been consumed too.
  rapidjson::MemoryStream stream(body.data(), body.size());
  doc.ParseStream<kFlags, rapidjson::UTF8<>>(stream);
  if (doc.HasParseError() || stream.Tell() != body.size()) {
    return BadRequest{"The request body is not valid JSON."};
  }
  if (!doc.IsObject()) return kShape;
  auto it = doc.FindMember("sku_id");
  if (it == doc.MemberEnd()) return BadRequest{"The request body has no sku_id."};
  const auto& v = it->value;
  if (v.IsInt64()) {
    if (v.GetInt64() >= 1) return v.GetInt64();
    return kShape;
  }
  if (v.IsString()) {
    if (auto id = positive_int64(std::string_view(v.GetString(), v.GetStringLength()))) return *id;
  }
  return kShape;
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

SessionRef session_from(std::optional<std::string_view> authorization,
                        std::optional<std::string_view> cookie_header) {
  if (authorization) {
    const std::string_view value = trim(*authorization);
    if (!value.empty()) {
      if (value.size() < session::kMinTokenLength) return {SessionRef::Kind::too_short, {}};
      return {SessionRef::Kind::token, std::string(value)};
    }
  }
  if (cookie_header) {
    // Only ids of the form this service issues name a session; any other cookie value (a legacy
    // number, a guess) is no session, and an add starts a new one.
    if (auto value = cookie_value(*cookie_header, "session");
        value && session::is_issued_session_id(*value)) {
      return {SessionRef::Kind::cookie, std::string(*value)};
    }
  }
  return {};
}

bool is_json_content_type(std::string_view content_type) {
  std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    const char c = media[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kJson[i]) return false;
  }
  return true;
}

Parsed<std::optional<std::string>> parse_idempotency_key(std::optional<std::string_view> header) {
  if (!header) return std::optional<std::string>{};
  const std::string_view value = trim(*header);
  bool printable = value.size() >= 8 && value.size() <= 64;
  for (char c : value) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) {
    return BadRequest{"Idempotency-Key must be 8 to 64 printable ASCII characters without spaces."};
  }
  return std::optional<std::string>(std::string(value));
}

bool is_usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool if_none_match_matches(std::string_view header, std::string_view etag) {
  auto opaque = [](std::string_view tag) {
    tag = trim(tag);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  const std::string_view wanted = opaque(etag);
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (item == "*") return true;
    if (!item.empty() && opaque(item) == wanted) return true;
  }
  return false;
}

bool is_acceptable_authorization(std::string_view authorization) {
  const std::string_view value = trim(authorization);
  if (value.size() > 1024) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::optional<BadRequest> check_request_line(std::string_view request_line) {
  const std::size_t first = request_line.find(' ');
  if (first == std::string_view::npos) return std::nullopt;  // Pistache refuses it on its own
  std::string_view target = request_line.substr(first + 1);
  target = target.substr(0, target.find(' '));
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return BadRequest{
          "The request target may hold printable ASCII only; percent-encode any other byte."};
    }
  }
  return std::nullopt;
}

std::optional<BadRequest> check_host_header(bool http_1_1, bool has_host) {
  if (http_1_1 && !has_host) return BadRequest{"An HTTP/1.1 request must carry a Host header."};
  return std::nullopt;
}

std::string invalid_http_message(std::string_view parser_reason) {
  // The messages Pistache 0.0.5's request parser and header parsers raise (libpistache strings).
  static constexpr std::string_view kParserMessages[] = {
      "Unknown HTTP request method",
      "Malformed HTTP request after Method, expected SP",
      "Encountered invalid HTTP version",
      "Expected SPACE after http version",
      "Unsupported Transfer-Encoding",
      "Invalid chunk size",
      "Got mutually exclusive ContentLength and TransferEncoding header",
      "Invalid cookie",
      "Invalid cookie, early eof",
      "Invalid cookie, missing value",
      "Ill-formed Accept header",
      "Invalid Date format",
      "Invalid port",
  };
  for (auto known : kParserMessages) {
    if (parser_reason == known) return "The request is not valid HTTP: " + std::string(known) + ".";
  }
  return "The request is not valid HTTP.";
}

}  // namespace atelier::http
