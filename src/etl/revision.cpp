#include "etl/revision.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace atelier::etl {

namespace {

// splitmix64's finaliser: a cheap full-avalanche mix of 64 bits.
std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace

std::uint64_t fold_row(std::uint64_t digest, std::uint64_t row_hash) {
  // Not commutative: the same rows in another order give another digest (photos, skus, features
  // and related rows are served in file order).
  return mix64(digest * 0x9e3779b97f4a7c15ull + row_hash + 1);
}

void ProductDigests::add(std::int64_t product_id, std::uint64_t row_hash) {
  if (product_id >= 0 && product_id < kDenseLimit) {
    const auto index = static_cast<std::size_t>(product_id);
    if (index >= dense_.size()) dense_.resize(std::max(index + 1, dense_.size() * 2), 0);
    dense_[index] = fold_row(dense_[index], row_hash);
    return;
  }
  auto& digest = sparse_[product_id];
  digest = fold_row(digest, row_hash);
}

std::uint64_t ProductDigests::get(std::int64_t product_id) const {
  if (product_id >= 0 && product_id < kDenseLimit) {
    const auto index = static_cast<std::size_t>(product_id);
    return index < dense_.size() ? dense_[index] : 0;
  }
  const auto it = sparse_.find(product_id);
  return it == sparse_.end() ? 0 : it->second;
}

void ProductDigests::reset(std::int64_t product_id) {
  if (product_id >= 0 && product_id < kDenseLimit) {
    const auto index = static_cast<std::size_t>(product_id);
    if (index < dense_.size()) dense_[index] = 0;
    return;
  }
  sparse_.erase(product_id);
}

std::uint64_t content_digest(const std::array<std::uint64_t, kDigestFiles>& digests) {
  std::uint64_t h = 0x6174656c69657221ull;
  for (const std::uint64_t d : digests) h = fold_row(h, d);
  return h;
}

std::uint64_t revision_of(std::uint64_t content, std::int64_t created_ms, std::int64_t updated_ms) {
  std::uint64_t h = fold_row(content, static_cast<std::uint64_t>(created_ms));
  h = fold_row(h, static_cast<std::uint64_t>(updated_ms));
  return h == 0 ? 1 : h;
}

void stamp(ProductState& next, const ProductState* previous, std::int64_t now_ms) {
  const std::uint64_t content = content_digest(next.digests);
  if (previous == nullptr) {
    next.created_ms = now_ms;
    next.updated_ms = now_ms;
  } else {
    next.created_ms = previous->created_ms;
    next.updated_ms = content_digest(previous->digests) == content ? previous->updated_ms : now_ms;
  }
  next.revision = revision_of(content, next.created_ms, next.updated_ms);
}

std::string copy_timestamp(std::int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return buffer;
}

std::int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace atelier::etl
