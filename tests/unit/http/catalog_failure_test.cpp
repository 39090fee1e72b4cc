// The one map from catalog error kinds to replies (src/http/catalog_failure.*).
#include "http/catalog_failure.hpp"

#include <gtest/gtest.h>

namespace atelier::http {
namespace {

using catalog::ErrorKind;

TEST(CatalogFailure, OutagesAre503AndRefusedQueries500) {
  EXPECT_EQ(catalog_failure(ErrorKind::unavailable).status, 503);
  EXPECT_EQ(catalog_failure(ErrorKind::not_loaded).status, 503);
  EXPECT_EQ(catalog_failure(ErrorKind::timeout).status, 503);
  EXPECT_EQ(catalog_failure(ErrorKind::query).status, 500);
  EXPECT_EQ(catalog_failure(ErrorKind::none).status, 500);  // never passed; the safe answer
}

TEST(CatalogFailure, NotLoadedIsAKindOfItsOwnForReadiness) {
  const CatalogFailure& not_loaded = catalog_failure(ErrorKind::not_loaded);
  EXPECT_EQ(not_loaded.readiness, "not_loaded");
  EXPECT_EQ(not_loaded.readiness_message, "The catalog is not loaded yet.");
  EXPECT_EQ(not_loaded.message, "The catalog is not loaded yet; retry shortly.");
  for (const ErrorKind kind : {ErrorKind::unavailable, ErrorKind::timeout, ErrorKind::query}) {
    EXPECT_EQ(catalog_failure(kind).readiness, "down");
    EXPECT_EQ(catalog_failure(kind).readiness_message, "The catalog database is unavailable.");
  }
}

TEST(CatalogFailure, MessagesTellTheClientWhatToDo) {
  EXPECT_EQ(catalog_failure(ErrorKind::unavailable).message,
            "The catalog database is unavailable; retry shortly.");
  EXPECT_EQ(catalog_failure(ErrorKind::timeout).message,
            "The catalog database is too slow right now; retry shortly.");
  EXPECT_EQ(catalog_failure(ErrorKind::query).message,
            "The service failed to read the catalog; try again later.");
}

}  // namespace
}  // namespace atelier::http
