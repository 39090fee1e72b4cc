#include "cache/cache_key.hpp"

#include <charconv>
#include <initializer_list>

namespace atelier::cache {
namespace {

constexpr std::string_view kPrefix = "atelier:v";

void append_number(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  (void)ec;  // 24 bytes always fit an int64
  out.append(digits, end);
}

// "atelier:v<version>:<kind>:<a>[:<b>]" built in one allocation; keys are on every request's path.
std::string build(std::int64_t version, std::string_view kind,
                  std::initializer_list<std::int64_t> parts) {
  std::string key;
  key.reserve(64);
  key.append(kPrefix);
  append_number(key, version);
  key.push_back(':');
  key.append(kind);
  for (const std::int64_t part : parts) {
    key.push_back(':');
    append_number(key, part);
  }
  return key;
}

}  // namespace

std::string CacheKey::product(std::int64_t version, std::int64_t id) {
  return build(version, "product", {id});
}

std::string CacheKey::styles(std::int64_t version, std::int64_t id) {
  return build(version, "styles", {id});
}

std::string CacheKey::related(std::int64_t version, std::int64_t id) {
  return build(version, "related", {id});
}

std::string CacheKey::products(std::int64_t version, std::int64_t page, std::int64_t count) {
  return build(version, "products", {page, count});
}

std::string CacheKey::version_pattern(std::int64_t version) {
  std::string pattern(kPrefix);
  append_number(pattern, version);
  pattern.append(":*");
  return pattern;
}

std::string CacheKey::all_pattern() {
  return "atelier:*";
}

}  // namespace atelier::cache
