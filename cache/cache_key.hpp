// The key scheme. Every key carries the dataset version read from Postgres in the same statement as
// the data (docs/ARCHITECTURE.md), so a reload never serves old bytes under a new version and old
// versions simply age out (TTL / allkeys-lru) instead of needing a flush.
#pragma once

#include <cstdint>
#include <string>

namespace atelier::cache {

struct CacheKey {
  // atelier:v<version>:product:<id>            GET /products/:id
  static std::string product(std::int64_t version, std::int64_t id);
  // atelier:v<version>:styles:<id>             GET /products/:id/styles
  static std::string styles(std::int64_t version, std::int64_t id);
  // atelier:v<version>:related:<id>            GET /products/:id/related
  static std::string related(std::int64_t version, std::int64_t id);
  // atelier:v<version>:products:<page>:<count> GET /products?page&count
  static std::string products(std::int64_t version, std::int64_t page, std::int64_t count);

  // SCAN patterns for ops and tests: one dataset version, or every key this service owns.
  static std::string version_pattern(std::int64_t version);  // atelier:v<version>:*
  static std::string all_pattern();                          // atelier:*
};

}  // namespace atelier::cache
