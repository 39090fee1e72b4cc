// Reads a catalog file as physical lines with large sequential read(2)s.
// 2.3 GB must be read in well under a minute of CPU, so lines are handed out as views into an
// 8 MiB buffer (no copy, no allocation per line); a view is valid until the next call to next().
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace atelier::etl {

class LineFile {
 public:
  static constexpr std::size_t kBlockBytes = std::size_t{8} << 20;

  // Throws std::system_error when the file cannot be opened.
  explicit LineFile(const std::filesystem::path& path);
  ~LineFile();
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;
  LineFile(LineFile&& other) noexcept;
  LineFile& operator=(LineFile&& other) noexcept;

  // The next physical line without its '\n' (a final line without newline is returned too).
  // Returns false at end of file. Throws std::system_error on a read error.
  bool next(std::string_view& line);

  std::uint64_t bytes_consumed() const { return consumed_; }
  std::uint64_t size_bytes() const { return size_; }

 private:
  bool fill();  // reads more bytes; false at EOF

  int fd_ = -1;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // first unread byte in buffer_
  std::size_t end_ = 0;    // one past the last valid byte
  bool eof_ = false;
  std::uint64_t consumed_ = 0;
  std::uint64_t size_ = 0;
};

}  // namespace atelier::etl
