// The one place that says what a client is told when a catalog read fails (STYLE habit 2,
// CONTRACT §3): each catalog::ErrorKind maps to a status, the JSON error's message, and what
// /readyz reports. Product, cart and readiness replies all come through here.
#pragma once

#include <string_view>

#include "catalog/result.hpp"

namespace atelier::http {

struct CatalogFailure {
  int status = 503;                    // 503 (sent with Retry-After) or 500
  std::string_view message;            // {"error": ...} of a product or cart request
  std::string_view readiness;          // "database" of the /readyz 503: "down" or "not_loaded"
  std::string_view readiness_message;  // "error" of the /readyz 503
};

const CatalogFailure& catalog_failure(catalog::ErrorKind kind);

}  // namespace atelier::http
