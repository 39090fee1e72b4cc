#include "encoding/content_coding.hpp"

#include <zlib.h>

#include <stdexcept>

namespace atelier::encoding {

std::string_view to_string(Coding coding) {
  switch (coding) {
    case Coding::gzip:
      return "gzip";
    case Coding::br:
      return "br";
    case Coding::identity:
      break;
  }
  return "identity";
}

namespace {

// windowBits 15 + 16: a gzip wrapper instead of a zlib one (zlib.h, deflateInit2).
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kGzipLevel = 6;  // content_coding.hpp says why

struct DeflateStream {
  z_stream z{};
  DeflateStream() {
    if (deflateInit2(&z, kGzipLevel, Z_DEFLATED, kGzipWindowBits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("zlib deflateInit2 failed");
    }
  }
  ~DeflateStream() { deflateEnd(&z); }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
};

struct InflateStream {
  z_stream z{};
  bool ok = false;
  InflateStream() { ok = inflateInit2(&z, kGzipWindowBits) == Z_OK; }
  ~InflateStream() {
    if (ok) inflateEnd(&z);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
};

Bytef* input_of(std::string_view bytes) {
  // zlib's API takes non-const input but never writes it (z_stream.next_in, "z_const").
  return reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
}

}  // namespace

std::string gzip_compress(std::string_view bytes) {
  DeflateStream stream;
  std::string out(deflateBound(&stream.z, static_cast<uLong>(bytes.size())), '\0');
  stream.z.next_in = input_of(bytes);
  stream.z.avail_in = static_cast<uInt>(bytes.size());
  stream.z.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.z.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream, so one Z_FINISH call completes it.
  if (deflate(&stream.z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib deflate failed");
  out.resize(stream.z.total_out);
  return out;
}

std::optional<std::string> gzip_inflate(std::string_view compressed, std::size_t max_size) {
  InflateStream stream;
  if (!stream.ok) return std::nullopt;
  stream.z.next_in = input_of(compressed);
  stream.z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[16384];
  for (;;) {
    stream.z.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.z.avail_out = sizeof chunk;
    const int rc = inflate(&stream.z, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - stream.z.avail_out;
    if (out.size() + produced > max_size) return std::nullopt;
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) break;
    // Z_BUF_ERROR with input left means no progress possible: a truncated stream.
    if (rc != Z_OK) return std::nullopt;
    if (stream.z.avail_in == 0 && produced == 0) return std::nullopt;
  }
  if (stream.z.avail_in != 0) return std::nullopt;  // bytes after the gzip member
  return out;
}

}  // namespace atelier::encoding
