#include "cache/cache_key.hpp"

#include <charconv>
#include <string_view>

namespace atelier::cache {
namespace {

void append_number(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  (void)ec;  // 24 bytes always fit an int64
  out.append(digits, end);
}

void append_hex16(std::string& out, std::uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(value >> shift) & 0xf]);
}

// "atelier:<kind>:<id>:" in one allocation; keys are on every request's path.
std::string start(std::string_view kind, std::int64_t id) {
  std::string key;
  key.reserve(48);
  key.append("atelier:");
  key.append(kind);
  key.push_back(':');
  append_number(key, id);
  key.push_back(':');
  return key;
}

}  // namespace

std::string_view CacheKey::body_name(ProductBody body) {
  switch (body) {
    case ProductBody::detail:
      return "product";
    case ProductBody::styles:
      return "styles";
    case ProductBody::related:
      return "related";
  }
  return "product";
}

std::optional<ProductBody> CacheKey::body_named(std::string_view name) {
  for (ProductBody body : kProductBodies) {
    if (name == body_name(body)) return body;
  }
  return std::nullopt;
}

std::string CacheKey::body(ProductBody body, std::int64_t id, std::uint64_t revision) {
  std::string key = start(body_name(body), id);
  append_hex16(key, revision);
  return key;
}

std::string CacheKey::products(std::int64_t list_revision, std::int64_t page, std::int64_t count) {
  std::string key = start("products", list_revision);
  append_number(key, page);
  key.push_back(':');
  append_number(key, count);
  return key;
}

std::string CacheKey::page_budget(std::int64_t list_revision) {
  return start("page-budget", list_revision);
}

std::string CacheKey::pending(ProductBody body, std::int64_t id) {
  std::string key = start("pending", id);
  key.append(body_name(body));
  return key;
}

std::string CacheKey::body_pattern(ProductBody body, std::int64_t id) {
  std::string pattern = start(body_name(body), id);
  pattern.push_back('*');
  return pattern;
}

std::string CacheKey::hot_products() {
  return "atelier:hot-products";
}

std::string CacheKey::hot_bodies(std::string_view name) {
  std::string key = "atelier:hot-bodies:";
  key.append(name);
  return key;
}

std::optional<BodyRef> CacheKey::body_of(std::string_view key) {
  constexpr std::string_view kPrefix = "atelier:";
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  std::optional<ProductBody> kind;
  for (ProductBody body : kProductBodies) {
    const std::string_view name = body_name(body);
    if (key.size() > name.size() && key.starts_with(name) && key[name.size()] == ':') {
      key.remove_prefix(name.size() + 1);
      kind = body;
      break;
    }
  }
  if (!kind) return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  // The id is followed by ":" and the revision's 16 hex digits.
  const std::size_t used = static_cast<std::size_t>(end - key.data());
  if (ec != std::errc{} || id < 1 || key.size() != used + 17 || key[used] != ':') {
    return std::nullopt;
  }
  return BodyRef{*kind, id};
}

std::optional<std::int64_t> CacheKey::body_product(std::string_view key) {
  const auto body = body_of(key);
  if (!body) return std::nullopt;
  return body->id;
}

std::string CacheKey::all_pattern() {
  return "atelier:*";
}

}  // namespace atelier::cache
