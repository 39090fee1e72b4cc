#include "etl/id_set.hpp"

#include <algorithm>

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

}  // namespace atelier::etl
