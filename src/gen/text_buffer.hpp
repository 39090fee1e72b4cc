// A growable byte buffer that CSV rows are formatted into. The generator writes ~2.3 GB for the
// full catalog, so rows are appended with memcpy and std::to_chars (no iostreams, no temporary
// strings) and the buffer is reused from block to block (clear() keeps the capacity).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace atelier::gen {

class TextBuffer {
 public:
  TextBuffer() = default;
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;
  TextBuffer(TextBuffer&& other) noexcept
      : data_(std::move(other.data_)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  TextBuffer& operator=(TextBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  void clear() noexcept { size_ = 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }

  void put(char c) {
    ensure(1);
    data_[size_++] = c;
  }

  void put(std::string_view text) {
    ensure(text.size());
    if (!text.empty()) std::memcpy(data_.get() + size_, text.data(), text.size());
    size_ += text.size();
  }

  void put_number(std::int64_t value) {
    constexpr std::size_t kMaxDigits = 20;  // "-9223372036854775808"
    ensure(kMaxDigits);
    char* begin = data_.get() + size_;
    size_ += static_cast<std::size_t>(std::to_chars(begin, begin + kMaxDigits, value).ptr - begin);
  }

  // CONTRACT §4: text fields are double-quoted. Generated text never contains a double quote, so
  // no escaping is needed (the vocabulary test checks that).
  void put_quoted(std::string_view text) {
    put('"');
    put(text);
    put('"');
  }

  // CONTRACT §4: SQL null is the bare word null.
  void put_null() { put(std::string_view("null")); }

 private:
  void ensure(std::size_t more) {
    if (capacity_ - size_ < more) grow(size_ + more);
  }
  void grow(std::size_t at_least);

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace atelier::gen
