// The NOTIFY channel of catalog changes: atelier-etl notifies it when a load or a partial update
// publishes (etl/publish.cpp), and every host LISTENs on it (catalog/change_feed.cpp).
#pragma once

namespace atelier::schema {

inline constexpr const char* kCatalogChannel = "atelier_catalog";

}  // namespace atelier::schema
