// What the cache keeps of a product body, made once when the body is made (a miss in a host or
// the warm-up tool), and how each representation is sent: the one rule both use, so a hit and a
// miss answer the same bytes.
//
// A body is kept gzip-compressed when that is smaller, else as is (measured on our bodies:
// docs/ARCHITECTURE.md "Compressed bodies"). A client that accepts gzip gets the kept bytes
// untouched; one that does not gets them inflated on the fly, which costs a few microseconds and
// is rare (every browser sends gzip), where keeping the identity bytes beside them would cost
// Redis three times the memory of the compressed body.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cache/entry.hpp"
#include "encoding/content_coding.hpp"

namespace atelier::encoding {

// Largest body an entry may inflate to; a bigger one is treated as corrupt.
inline constexpr std::size_t kMaxBodyBytes = 256u * 1024 * 1024;

// A 200 entry for the JSON `body`: its ETag (json::etag_for of these identity bytes) and the body
// in the smaller of gzip and identity.
cache::Entry make_entry(std::string body);

// The compressed codings `entry` can be sent in without recompressing (none, or gzip).
std::span<const Coding> codings_of(const cache::Entry& entry);

// The strong ETag of the representation in `coding`: the identity tag itself, or the tag with
// "-<coding>" inside the quotes ("abc" -> "abc-gzip"). Different bytes, different tags (RFC 9110
// §8.8.3), and derived from the identity tag so that every host names them alike.
std::string representation_etag(std::string_view identity_etag, Coding coding);

// Whether `entry.body` is already the representation in `coding` (sent as kept, no copy needed).
bool is_kept_coding(const cache::Entry& entry, Coding coding);

// The bytes of `entry` in `coding`, which must be identity or the entry's own coding: the kept
// bytes, or the inflated identity bytes. nullopt when the kept bytes do not inflate.
std::optional<std::string> body_in(cache::Entry&& entry, Coding coding);

}  // namespace atelier::encoding
