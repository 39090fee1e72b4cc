#include "cache/entry.hpp"

#include <stdexcept>

namespace atelier::cache {
namespace {

constexpr std::size_t kHeaderSize = 6;  // version + 3 status digits + coding + etag length

struct Header {
  int status;
  BodyCoding coding;
  std::size_t etag_size;
};

bool is_known(BodyCoding coding) {
  return coding == BodyCoding::identity || coding == BodyCoding::gzip;
}

std::optional<Header> parse_header(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  if (static_cast<unsigned char>(bytes[0]) != kEntryFormat) return std::nullopt;
  int status = 0;
  for (std::size_t i = 1; i <= 3; ++i) {
    if (bytes[i] < '0' || bytes[i] > '9') return std::nullopt;
    status = status * 10 + (bytes[i] - '0');
  }
  if (status < 100 || status > 599) return std::nullopt;
  const auto coding = static_cast<BodyCoding>(static_cast<unsigned char>(bytes[4]));
  if (!is_known(coding)) return std::nullopt;
  const std::size_t etag_size = static_cast<unsigned char>(bytes[5]);
  if (bytes.size() - kHeaderSize < etag_size) return std::nullopt;
  return Header{status, coding, etag_size};
}

}  // namespace

std::string encode_entry(const Entry& entry) {
  if (entry.status < 100 || entry.status > 599) {
    throw std::invalid_argument("cache entry status must be 100..599");
  }
  if (entry.etag.size() > kMaxEtagSize) {
    throw std::invalid_argument("cache entry etag longer than 255 bytes");
  }
  if (!is_known(entry.coding)) throw std::invalid_argument("cache entry coding unknown");
  std::string out;
  out.reserve(kHeaderSize + entry.etag.size() + entry.body.size());
  out.push_back(static_cast<char>(kEntryFormat));
  out.push_back(static_cast<char>('0' + entry.status / 100));
  out.push_back(static_cast<char>('0' + entry.status / 10 % 10));
  out.push_back(static_cast<char>('0' + entry.status % 10));
  out.push_back(static_cast<char>(entry.coding));
  out.push_back(static_cast<char>(static_cast<unsigned char>(entry.etag.size())));
  out.append(entry.etag);
  out.append(entry.body);
  return out;
}

std::optional<Entry> decode_entry(std::string_view bytes) {
  const auto header = parse_header(bytes);
  if (!header) return std::nullopt;
  Entry entry;
  entry.status = header->status;
  entry.coding = header->coding;
  entry.etag.assign(bytes.substr(kHeaderSize, header->etag_size));
  entry.body.assign(bytes.substr(kHeaderSize + header->etag_size));
  return entry;
}

std::optional<Entry> decode_entry(std::string&& bytes) {
  const auto header = parse_header(bytes);
  if (!header) return std::nullopt;
  Entry entry;
  entry.status = header->status;
  entry.coding = header->coding;
  entry.etag.assign(bytes, kHeaderSize, header->etag_size);
  // Shift the body to the front of the buffer we already own instead of allocating a second one.
  bytes.erase(0, kHeaderSize + header->etag_size);
  entry.body = std::move(bytes);
  return entry;
}

bool is_sendable_etag(std::string_view etag) {
  if (etag.empty()) return true;
  if (etag.size() < 2 || etag.front() != '"' || etag.back() != '"') return false;
  for (const char c : etag.substr(1, etag.size() - 2)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e || byte == '"') return false;
  }
  return true;
}

bool is_sendable(const Entry& entry) {
  if (!is_sendable_etag(entry.etag)) return false;
  if (entry.status < 200 || entry.status > 599 || entry.status == 204 || entry.status == 304) {
    return false;
  }
  if (entry.coding == BodyCoding::gzip) {
    constexpr std::size_t kSmallestGzipMember = 18;  // 10-byte header, empty block, 8-byte trailer
    const std::string_view body = entry.body;
    if (body.size() < kSmallestGzipMember || !body.starts_with("\x1f\x8b\x08")) return false;
  }
  return true;
}

}  // namespace atelier::cache
