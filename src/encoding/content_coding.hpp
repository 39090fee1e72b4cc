// The content codings a product body is kept and sent in (RFC 9110 §8.4.1), and gzip
// compression and inflation of whole bodies: pure functions over bytes. The only file that knows
// libdeflate (compression) and zlib (inflation). Brotli is a coding the negotiation understands, but no body is kept in it: measured on our
// bodies it does not pay (docs/ARCHITECTURE.md "Compressed bodies").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atelier::encoding {

enum class Coding { identity, gzip, br };

// The token of the coding in Content-Encoding / Accept-Encoding ("identity", "gzip", "br").
std::string_view to_string(Coding coding);

// gzip (RFC 1952) by libdeflate at level 6. On 600 product, styles and related bodies (946 bytes
// on average) it takes about half of zlib's time at zlib's default level 6 (21-27 vs 43-50 us a
// body on a loaded machine) for 0.320 of the JSON against zlib's 0.319; the warm-up compresses
// three million bodies, and compression was most of its CPU. Level 6 because zlib's level 6 had
// been measured as small as level 9 on our bodies (0.319 vs 0.318) at half its time on a 1.8 MB
// list page. Deterministic for one libdeflate build (no name, no timestamp in the header), so every
// host and the warm-up make the same bytes from the same JSON. Throws std::runtime_error if
// libdeflate cannot allocate its compressor.
std::string gzip_compress(std::string_view bytes);
// The inflated bytes of one gzip member, or nullopt for anything that is not exactly one valid
// gzip member (bad header, bad CRC, trailing bytes) or inflates past max_size.
std::optional<std::string> gzip_inflate(std::string_view compressed, std::size_t max_size);

}  // namespace atelier::encoding
