#include "encoding/representation.hpp"

#include "json/serialize.hpp"

namespace atelier::encoding {

cache::Entry make_entry(std::string body) {
  cache::Entry entry;
  entry.status = 200;
  entry.etag = json::etag_for(body);
  std::string gzip = gzip_compress(body);
  // Tiny bodies (`[]`, a short related list) grow under gzip's 18-byte frame: kept as they are.
  if (gzip.size() < body.size()) {
    entry.body = std::move(gzip);
    entry.coding = cache::BodyCoding::gzip;
  } else {
    entry.body = std::move(body);
  }
  return entry;
}

std::span<const Coding> codings_of(const cache::Entry& entry) {
  static constexpr Coding kGzip[] = {Coding::gzip};
  if (entry.coding == cache::BodyCoding::gzip) return kGzip;
  return {};
}

std::string representation_etag(std::string_view identity_etag, Coding coding) {
  if (coding == Coding::identity || identity_etag.size() < 2 || identity_etag.back() != '"') {
    return std::string(identity_etag);
  }
  std::string tag(identity_etag.substr(0, identity_etag.size() - 1));
  tag.push_back('-');
  tag.append(to_string(coding));
  tag.push_back('"');
  return tag;
}

bool is_kept_coding(const cache::Entry& entry, Coding coding) {
  return entry.coding == cache::BodyCoding::identity ? coding == Coding::identity
                                                     : coding == Coding::gzip;
}

std::optional<std::string> body_in(cache::Entry&& entry, Coding coding) {
  if (is_kept_coding(entry, coding)) return std::move(entry.body);
  if (entry.coding == cache::BodyCoding::gzip && coding == Coding::identity) {
    return gzip_inflate(entry.body, kMaxBodyBytes);
  }
  return std::nullopt;
}

}  // namespace atelier::encoding
