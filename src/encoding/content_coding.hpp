// The content codings a product body is kept and sent in (RFC 9110 §8.4.1), and gzip
// compression and inflation of whole bodies: pure functions over bytes. The only file that knows
// zlib. Brotli is a coding the negotiation understands, but no body is kept in it: measured on our
// bodies it does not pay (docs/ARCHITECTURE.md "Compressed bodies").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atelier::encoding {

enum class Coding { identity, gzip, br };

// The token of the coding in Content-Encoding / Accept-Encoding ("identity", "gzip", "br").
std::string_view to_string(Coding coding);

// gzip (RFC 1952) at zlib's default level 6: on product bodies as small as level 9 (0.319 vs 0.318
// of the JSON) and on a 5,000-product list page (1.8 MB) half its time (23-31 vs 54-66 ms, 0.070
// vs 0.066), which a miss of such a page pays on a worker thread (docs/ARCHITECTURE.md).
// Deterministic for one zlib build (no name, no timestamp in the header), so every host makes the
// same bytes from the same JSON. Throws std::runtime_error if zlib fails (out of memory).
std::string gzip_compress(std::string_view bytes);
// The inflated bytes of one gzip member, or nullopt for anything that is not exactly one valid
// gzip member (bad header, bad CRC, trailing bytes) or inflates past max_size.
std::optional<std::string> gzip_inflate(std::string_view compressed, std::size_t max_size);

}  // namespace atelier::encoding
