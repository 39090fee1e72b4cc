#include "http/catalog_failure.hpp"

namespace atelier::http {

namespace {

constexpr std::string_view kDatabaseDown = "The catalog database is unavailable.";

// A dependency that is down or slow is the service's trouble, not the client's: 503 with
// Retry-After. A query the database refused for any other reason is the service's bug: 500.
constexpr CatalogFailure kUnavailable{503, "The catalog database is unavailable; retry shortly.",
                                      "down", kDatabaseDown};
constexpr CatalogFailure kNotLoaded{503, "The catalog is not loaded yet; retry shortly.",
                                    "not_loaded", "The catalog is not loaded yet."};
constexpr CatalogFailure kTimeout{503, "The catalog database is too slow right now; retry shortly.",
                                  "down", kDatabaseDown};
constexpr CatalogFailure kQuery{500, "The service failed to read the catalog; try again later.",
                                "down", kDatabaseDown};

}  // namespace

const CatalogFailure& catalog_failure(catalog::ErrorKind kind) {
  switch (kind) {
    case catalog::ErrorKind::unavailable:
      return kUnavailable;
    case catalog::ErrorKind::not_loaded:
      return kNotLoaded;
    case catalog::ErrorKind::timeout:
      return kTimeout;
    case catalog::ErrorKind::none:  // not a failure; never passed, answered as the safe 500
    case catalog::ErrorKind::query:
      break;
  }
  return kQuery;
}

}  // namespace atelier::http
