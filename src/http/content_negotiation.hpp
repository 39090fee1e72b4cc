// Which content coding a response uses, from the request's Accept-Encoding (RFC 9110 §12.5.3).
// Pure, so every rule is unit-tested without a server.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "encoding/content_coding.hpp"

namespace atelier::http {

// The coding to answer with. `offered` lists the compressed codings this response has, in the
// service's order of preference (smallest first); identity is always available besides them.
//   * No Accept-Encoding header: identity. RFC 9110 lets a server pick any coding then, but a
//     client that says nothing (curl without --compressed, scripts) usually cannot inflate.
//   * Codings are weighed by their q-value (`gzip;q=0.5`, default 1, `q=0` = not acceptable);
//     names are case-insensitive, `x-gzip` is gzip; `*` gives its q-value to every coding not
//     named; identity is acceptable unless `identity;q=0`, or `*;q=0` without an identity entry,
//     and when not named it is the least wanted (`gzip;q=0.5` asks for gzip).
//   * The highest q-value wins; ties go to the earlier coding in `offered`, then identity.
//   * When nothing offered is acceptable (`identity;q=0, *;q=0`) the header is disregarded and
//     identity is sent (RFC 9110 §12.1 allows this instead of a 406; a front end reading the
//     body is less surprised by JSON than by an error).
// Elements with a malformed q-value are ignored.
encoding::Coding negotiate_coding(std::optional<std::string_view> accept_encoding,
                                  std::span<const encoding::Coding> offered);

}  // namespace atelier::http
