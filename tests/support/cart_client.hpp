// The cart as the integration and end-to-end tests drive it over HTTP (CONTRACT, Cart): an add, a
// session's cart as counts per sku, a session token of a test's own, and sku ids of the loaded
// catalog.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace atelier::testing {

// POST /cart of one unit of `sku` (Content-Type: application/json) as `session`, an Authorization
// token; empty: none, so the host starts a session and answers its cookie. `extra` adds headers
// (Idempotency-Key, X-Forwarded-Proto, ...); `timeout_ms` bounds the wait for the answer.
HttpResponse cart_add(const std::string& base_url, const std::string& session, std::int64_t sku,
                      const Headers& extra = {}, int timeout_ms = 10000);

// GET /cart as `session`: units per sku id; nullopt when the answer is not a 200 with a JSON array
// of lines.
using CartCounts = std::map<std::int64_t, std::int64_t>;
std::optional<CartCounts> read_cart(const std::string& base_url, const std::string& session);

// Units of `sku` in the session's cart (0: none); -1 when the cart could not be read.
std::int64_t cart_units(const std::string& base_url, const std::string& session, std::int64_t sku);

// One line of GET /cart's body as the host writes it: {"sku_id":N,"count":"C"}.
std::string cart_line(std::int64_t sku, std::int64_t count);
// GET /cart's whole body for a cart of that one line.
std::string cart_of_one(std::int64_t sku, std::int64_t count);

// A session token no other test and no earlier run uses: `tag`, the process id, a count and the
// clock, padded to at least 40 characters as legacy front ends send. Short tags keep it within
// the 64 characters of an Idempotency-Key, so it serves for those too.
std::string session_token(const std::string& tag);

// The first `n` sku ids of the loaded catalog, ascending (read through DATABASE_URL).
std::vector<std::int64_t> catalog_skus(std::size_t n);

}  // namespace atelier::testing
