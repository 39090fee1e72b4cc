#include "cache/redis_options.hpp"

#include <charconv>
#include <stdexcept>

namespace atelier::cache {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kSentinelScheme = "redis-sentinel://";
constexpr int kSentinelPort = 26379;

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parse failures unwind to the two public functions below as this private exception type; the
// parser runs once at startup, so clarity beats avoiding the throw.
struct MalformedUrl : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The password is part of the URL, so the message never echoes the URL into a log line.
[[noreturn]] void reject(std::string_view why) {
  throw MalformedUrl("REDIS_URL: " + std::string(why) +
                     " (expected redis://[[user]:password@]host:port[/db] or "
                     "redis-sentinel://[[user]:password@]host:port[,host:port...][/db]#master)");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Passwords often contain '@', '/' or ':'; URLs carry those percent-encoded.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) reject("truncated %-escape");
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) reject("invalid %-escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

int parse_number(std::string_view digits, int min, int max, std::string_view what) {
  int value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  // from_chars takes a leading '-' for int, so "-0" would pass as 0: only digits are a number.
  if (digits.empty() || digits.front() == '-' || ec != std::errc{} || ptr != end || value < min ||
      value > max) {
    reject(std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
           std::to_string(max));
  }
  return value;
}

// "host[:port]" or "[v6]:port"; the port defaults to default_port.
RedisEndpoint parse_endpoint(std::string_view authority, int default_port) {
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) reject("unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') reject("unexpected text after [IPv6] host");
      port = after.substr(1);
      if (port.empty()) reject("empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) reject("empty port");
    }
    if (host.find(':') != std::string_view::npos) reject("IPv6 hosts must be in [brackets]");
  }
  if (host.empty()) reject("missing host");
  RedisEndpoint endpoint{std::string(host), default_port};
  if (!port.empty()) endpoint.port = parse_number(port, 1, 65535, "port");
  return endpoint;
}

// Throws MalformedUrl; nullopt only for an empty URL.
std::optional<RedisOptions> parse_or_throw(std::string_view url) {
  url = trim(url);
  if (url.empty()) return std::nullopt;
  RedisOptions options;
  std::string_view rest;
  const bool sentinel = url.starts_with(kSentinelScheme);
  if (sentinel) {
    rest = url.substr(kSentinelScheme.size());
    const auto hash = rest.find('#');
    if (hash == std::string_view::npos || hash + 1 == rest.size()) {
      reject("a Sentinel URL needs #master-name");
    }
    options.sentinel_master = std::string(rest.substr(hash + 1));
    if (options.sentinel_master.find_first_of(" \t\r\n") != std::string::npos) {
      reject("the master name must not contain blanks");
    }
    rest = rest.substr(0, hash);
  } else if (url.starts_with(kScheme)) {
    rest = url.substr(kScheme.size());
  } else {
    reject("scheme must be redis:// or redis-sentinel://");
  }

  // Path: "/db" (an empty path or a lone "/" means db 0).
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view path = rest.substr(slash + 1);
    if (!path.empty()) options.db = parse_number(path, 0, 1 << 20, "database number");
  }
  if (authority.find_first_of("?#") != std::string_view::npos) {
    reject("query strings and fragments are not supported");
  }

  // Userinfo: the LAST '@' separates it, so an unencoded '@' in a password still works.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // "redis://secret@host" — Redis has no user without password; treat it as the password.
      if (!userinfo.empty()) options.password = percent_decode(userinfo);
    } else {
      const std::string_view user = userinfo.substr(0, colon);
      const std::string_view password = userinfo.substr(colon + 1);
      if (!user.empty()) options.username = percent_decode(user);
      if (!password.empty()) options.password = percent_decode(password);
      // "user:@": the password comes from a file (with_secrets); without one no AUTH is sent,
      // and the server refuses the commands (NOAUTH), which the cache treats as an outage.
    }
  }

  if (!sentinel) {
    RedisEndpoint endpoint = parse_endpoint(authority, options.port);
    options.host = std::move(endpoint.host);
    options.port = endpoint.port;
    return options;
  }
  // Sentinels: "host[:port],host[:port]...", asked in this order.
  while (true) {
    const auto comma = authority.find(',');
    options.sentinels.push_back(parse_endpoint(authority.substr(0, comma), kSentinelPort));
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  options.host = options.sentinels.front().host;
  options.port = options.sentinels.front().port;
  return options;
}

}  // namespace

std::optional<RedisOptions> parse_redis_url(std::string_view url) {
  try {
    return parse_or_throw(url);
  } catch (const MalformedUrl&) {
    return std::nullopt;
  }
}

std::string redis_url_error(std::string_view url) {
  try {
    parse_or_throw(url);
    return {};
  } catch (const MalformedUrl& error) {
    return error.what();
  }
}

RedisOptions with_secrets(RedisOptions options, const std::optional<std::string>& password,
                          const std::optional<std::string>& sentinel_password) {
  if (password) options.password = password;
  if (sentinel_password) options.sentinel_password = sentinel_password;
  return options;
}

std::string endpoint_label(const RedisOptions& options) {
  if (!options.sentinels.empty()) return "sentinel:" + options.sentinel_master;
  const bool v6 = options.host.find(':') != std::string::npos;
  return (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
}

}  // namespace atelier::cache
