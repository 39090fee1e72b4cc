#include "encoding/content_coding.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <memory>

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

// windowBits 15 + 16: a gzip wrapper instead of a zlib one (zlib.h, inflateInit2).
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kGzipLevel = 6;  // content_coding.hpp says why

struct FreeCompressor {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, FreeCompressor>;

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
  // One compressor per thread: libdeflate's state (its hash tables) is allocated once and reused,
  // and a compressor must not be shared between threads. Per-thread, so no lock.
  thread_local Compressor compressor(libdeflate_alloc_compressor(kGzipLevel));
  if (!compressor) {
    compressor.reset(libdeflate_alloc_compressor(kGzipLevel));
    if (!compressor) throw std::runtime_error("libdeflate_alloc_compressor failed");
  }
  std::string out(libdeflate_gzip_compress_bound(compressor.get(), bytes.size()), '\0');
  // The bound leaves room for any input, so 0 (no room) cannot happen.
  const std::size_t size = libdeflate_gzip_compress(compressor.get(), bytes.data(), bytes.size(),
                                                    out.data(), out.size());
  if (size == 0) throw std::runtime_error("libdeflate_gzip_compress found no room");
  out.resize(size);
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
