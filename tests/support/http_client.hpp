// A tiny blocking HTTP/1.1 client for the tests: raw bytes out (so tests can send malformed
// requests), one parsed response in. One connection per call; the body is read by Content-Length
// or chunked encoding (or until close), so it works whether or not the server closes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace atelier::testing {

struct HttpResponse {
  int status = 0;  // 0 = no parsable response (connection refused, closed, timeout)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // why status is 0

  std::optional<std::string> header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends `raw` as-is to base_url's host:port and reads one response.
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

}  // namespace atelier::testing
