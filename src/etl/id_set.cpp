#include "etl/id_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace atelier::etl {

bool IdSet::insert(std::int64_t id) {
  if (id < 0 || id >= kDenseLimit) {
    const bool added = sparse_.insert(id).second;
    size_ += added ? 1 : 0;
    return added;
  }
  const auto word = static_cast<std::size_t>(id >> 6);
  if (word >= words_.size()) {
    // Grow geometrically so ids arriving in ascending order cost amortised O(1).
    words_.resize(std::max(word + 1, words_.size() * 2), 0);
  }
  const std::uint64_t bit = std::uint64_t{1} << (id & 63);
  if ((words_[word] & bit) != 0) return false;
  words_[word] |= bit;
  ++size_;
  return true;
}

bool IdSet::contains(std::int64_t id) const {
  if (id < 0 || id >= kDenseLimit) return sparse_.count(id) != 0;
  const auto word = static_cast<std::size_t>(id >> 6);
  return word < words_.size() && (words_[word] & (std::uint64_t{1} << (id & 63))) != 0;
}

bool IdMap::insert(std::int64_t id, std::int64_t owner) {
  if (owner < 0) throw std::invalid_argument("IdMap owners are whole numbers");
  if (id < 0 || id >= kDenseLimit) {
    const bool added = sparse_.emplace(id, owner).second;
    size_ += added ? 1 : 0;
    return added;
  }
  const auto slot = static_cast<std::size_t>(id);
  if (slot >= dense_.size()) dense_.resize(std::max(slot + 1, dense_.size() * 2), kAbsent);
  if (dense_[slot] != kAbsent) return false;
  dense_[slot] = owner;
  ++size_;
  return true;
}

std::optional<std::int64_t> IdMap::find(std::int64_t id) const {
  if (id >= 0 && id < kDenseLimit) {
    const auto slot = static_cast<std::size_t>(id);
    if (slot < dense_.size() && dense_[slot] != kAbsent) return dense_[slot];
    return std::nullopt;
  }
  const auto it = sparse_.find(id);
  if (it == sparse_.end()) return std::nullopt;
  return it->second;
}

}  // namespace atelier::etl
