#include "gen/text_buffer.hpp"

#include <algorithm>

namespace atelier::gen {

void TextBuffer::grow(std::size_t at_least) {
  constexpr std::size_t kMinCapacity = 64 * 1024;
  const std::size_t capacity = std::max({at_least, capacity_ * 2, kMinCapacity});
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = capacity;
}

}  // namespace atelier::gen
