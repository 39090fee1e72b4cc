#include "etl/line_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace atelier::etl {

LineFile::LineFile(const std::filesystem::path& path) : buffer_(kBlockBytes) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), path.string());
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  // One pass, front to back: let the kernel read ahead aggressively.
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

LineFile::~LineFile() {
  if (fd_ >= 0) ::close(fd_);
}

LineFile::LineFile(LineFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      begin_(other.begin_),
      end_(other.end_),
      eof_(other.eof_),
      consumed_(other.consumed_),
      size_(other.size_) {}

LineFile& LineFile::operator=(LineFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    begin_ = other.begin_;
    end_ = other.end_;
    eof_ = other.eof_;
    consumed_ = other.consumed_;
    size_ = other.size_;
  }
  return *this;
}

bool LineFile::fill() {
  if (eof_) return false;
  // Move the unfinished line to the front; grow only if one line is longer than the buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  while (true) {
    const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read");
    }
    if (got == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<std::size_t>(got);
    return true;
  }
}

bool LineFile::next(std::string_view& line) {
  std::size_t scanned = begin_;
  while (true) {
    const void* hit = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (hit != nullptr) {
      const auto newline = static_cast<std::size_t>(static_cast<const char*>(hit) - buffer_.data());
      line = std::string_view(buffer_.data() + begin_, newline - begin_);
      consumed_ += newline + 1 - begin_;
      begin_ = newline + 1;
      return true;
    }
    const std::size_t pending = end_ - begin_;
    if (!fill()) {
      if (begin_ == end_) return false;
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);  // no final newline
      consumed_ += end_ - begin_;
      begin_ = end_;
      return true;
    }
    scanned = begin_ + pending;  // fill() moved the pending bytes to begin_ == 0
  }
}

}  // namespace atelier::etl
