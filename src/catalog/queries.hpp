// The SQL the API and the warm-up tool run, all against the `catalog` views (ARCHITECTURE.md).
// Every read returns the dataset version in the same statement (kind 0 row), so the data and the
// version always come from one snapshot of one dataset. The product reads are written once with
// an `{ids}` condition and prepared twice (for_ids): `= $1` for a host's single product and
// `BETWEEN $1 AND $2` for the warm-up tool's batches. Both return the same rows for one id, so a
// host and the warm-up tool build the very same structs.
//
// Lock order: every statement that reads more than one catalog view names catalog.dataset first,
// so PostgreSQL locks that view before the others. The loader's publish replaces catalog.dataset
// first for the same reason (src/etl/loader.cpp, publish): keep both, or a reload can deadlock
// with the readers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace atelier::catalog::sql {

// Why two forms: PostgreSQL caches a generic plan for a prepared statement only when it is about
// as cheap as the custom ones. For `BETWEEN $1 AND $2` the generic plan guesses thousands of rows
// (measured ~60x slower than the custom plan), so every execution is planned again, and planning
// cost twice the execution (perf: copyObject, expression walkers in every backend). `= $1` gets a
// cached generic plan: the styles read went from 12.7k to 37.9k statements/s (pgbench, 2 clients).
// A third form, `= ANY($1::int8[])`, reads a list of scattered ids (the warm-up's --changed and
// --ids) in one statement instead of the whole id range around them.
enum class Ids { one, range, list };

// `text` with every `{ids}` replaced by the condition of `ids`.
std::string for_ids(std::string_view text, Ids ids);

// Array parameters as PostgreSQL's text form (libpqxx 6.4 binds no arrays): every text element
// double-quoted with `"` and `\` escaped, so any text (commas, braces, quotes, "NULL") is one
// element as it is; numbers as they are. {"a","b\"c"} and {1,-2}.
std::string text_array(std::span<const std::string> values);
std::string number_array(std::span<const std::int64_t> values);

// $1..$2: rank range (1-based, ascending id). The page starts in the block of 1024 ids with the
// largest products_before below $1 (sql/dataset.sql, page_blocks), at most 1023 rows in.
inline constexpr const char* kProductPage = R"SQL(
SELECT d.version, p.id, p.name, p.slogan, p.description, p.category,
       (p.default_price * 100)::int8,
       floor(extract(epoch FROM p.created_at) * 1000)::int8,
       floor(extract(epoch FROM p.updated_at) * 1000)::int8
FROM catalog.dataset d
LEFT JOIN LATERAL (
  SELECT b.block, b.products_before FROM catalog.page_blocks b
  WHERE b.products_before < $1 ORDER BY b.products_before DESC LIMIT 1) b ON true
LEFT JOIN LATERAL (
  SELECT * FROM catalog.products p WHERE p.id >= b.block * 1024 ORDER BY p.id
  OFFSET $1 - 1 - b.products_before LIMIT $2 - $1 + 1) p ON true
ORDER BY p.id)SQL";

// kind 0 = product rows (one row with NULL id when none), kind 1 = features. Every product read
// returns the product's revision (products.revision) on its kind-0 row, read in the same snapshot
// as the rows, so a body is always cached under the revision it was made from.
inline constexpr const char* kProductDetails = R"SQL(
SELECT 0 AS kind, d.version, p.id AS product_id, p.name AS t1, p.slogan AS t2, p.description AS t3,
       p.category AS t4, (p.default_price * 100)::int8 AS n1,
       floor(extract(epoch FROM p.created_at) * 1000)::int8 AS n2,
       floor(extract(epoch FROM p.updated_at) * 1000)::int8 AS n3, NULL::int8 AS line,
       p.revision AS rev
FROM catalog.dataset d
LEFT JOIN catalog.products p ON p.id {ids}
UNION ALL
SELECT 1, NULL, f.product_id, f.feature, f.value, NULL, NULL, NULL, NULL, NULL, f.line, NULL
FROM catalog.features f
WHERE f.product_id {ids}
ORDER BY kind, product_id, line)SQL";

// kind 0 = products, 1 = styles, 2 = photos, 3 = skus (both in source-file order, CONTRACT §1;
// `ord` is the line, `sku` the sku id). Photos and skus carry their style's product id
// (sql/dataset.sql), so no per-style join is needed.
inline constexpr const char* kProductStyles = R"SQL(
SELECT 0 AS kind, d.version, p.id AS product_id, NULL::int8 AS style_id, NULL::int8 AS ord,
       NULL::text AS t1, NULL::text AS t2, NULL::int8 AS n1, NULL::int8 AS n2, NULL::bool AS flag,
       p.revision AS rev
FROM catalog.dataset d
LEFT JOIN catalog.products p ON p.id {ids}
UNION ALL
SELECT 1, NULL, s.product_id, s.id, s.id, s.name, NULL, (s.original_price * 100)::int8,
       (s.sale_price * 100)::int8, s.default_style, NULL
FROM catalog.styles s
WHERE s.product_id {ids}
UNION ALL
SELECT 2, NULL, ph.product_id, ph.style_id, ph.line, ph.url, ph.thumbnail_url, NULL, NULL, NULL,
       NULL
FROM catalog.photos ph
WHERE ph.product_id {ids}
UNION ALL
SELECT 3, NULL, k.product_id, k.style_id, k.line, k.size, NULL, k.quantity, NULL, NULL, k.id
FROM catalog.skus k
WHERE k.product_id {ids}
ORDER BY kind, product_id, style_id, ord)SQL";

// kind 0 = products, 1 = related ids in source order.
inline constexpr const char* kRelated = R"SQL(
SELECT 0 AS kind, d.version, p.id AS product_id, NULL::int8 AS related_id, NULL::int8 AS line,
       p.revision AS rev
FROM catalog.dataset d
LEFT JOIN catalog.products p ON p.id {ids}
UNION ALL
SELECT 1, NULL, r.product_id, r.related_product_id, r.line, NULL
FROM catalog.related r
WHERE r.product_id {ids}
ORDER BY kind, product_id, line)SQL";

inline constexpr const char* kBounds = R"SQL(
SELECT d.version, min(p.id), max(p.id), count(p.id)
FROM catalog.dataset d LEFT JOIN catalog.products p ON true
GROUP BY d.version)SQL";

inline constexpr const char* kDatasetVersion = "SELECT version FROM catalog.dataset";

// Every product's revision, and the last publish they include (one snapshot: the caller runs both
// in one repeatable-read transaction). Hosts load their revision table from this.
inline constexpr const char* kRevisions = "SELECT id, revision FROM catalog.products";
inline constexpr const char* kLastPublish = R"SQL(
SELECT coalesce(max(id), 0), coalesce(min(id), 0), coalesce(max(id) FILTER (WHERE
       changed + added + deleted > 0), 0)
FROM catalog.publishes)SQL";

// The newest publish and the products it changed or added (not the deleted ones).
inline constexpr const char* kLastPublishChanges = R"SQL(
SELECT p.id, p.changes_listed, c.product_id
FROM catalog.publishes p
LEFT JOIN catalog.changes c ON c.publish_id = p.id AND c.revision IS NOT NULL
WHERE p.id = (SELECT max(id) FROM catalog.publishes)
ORDER BY c.product_id)SQL";

// $1: the last publish a host applied. One row per changed product of each later publish (a
// publish without listed changes comes as one row with NULL product_id).
inline constexpr const char* kPublishesSince = R"SQL(
SELECT p.id, p.dataset_version, p.changes_listed, p.changed + p.added + p.deleted,
       c.product_id, c.revision
FROM catalog.publishes p
LEFT JOIN catalog.changes c ON c.publish_id = p.id
WHERE p.id > $1
ORDER BY p.id, c.product_id)SQL";

// One add, whole, in one round trip: sql/meta.sql atelier.cart_add (one row per unit, bounds,
// the request key's earlier answer). Arguments: session key, previous key or '', sku, request
// key, max distinct skus, max units of one sku.
inline constexpr const char* kCartAdd = R"SQL(
SELECT status, replayed, coalesce(bound, '') FROM atelier.cart_add($1, $2, $3, $4, $5, $6))SQL";

// Many adds in one statement, one transaction and one WAL flush (a group commit, docs/CART.md):
// atelier.cart_add_many (sql/migrations/0003_cart_add_many.sql), one row per element of the
// arrays (text_array / number_array), in their order: the same arguments as kCartAdd, each
// an array with one element per add.
inline constexpr const char* kCartAddMany = R"SQL(
SELECT ord, status, replayed, coalesce(bound, '')
FROM atelier.cart_add_many($1::text[], $2::text[], $3::int8[], $4::text[], $5::int[], $6::int[])
ORDER BY ord)SQL";

// A session's active cart under its key, or its key under the secret being rotated out ($2, ''
// when none): rows move to the new key on the session's next add.
inline constexpr const char* kCartList = R"SQL(
SELECT sku_id, count(*) FROM atelier.cart
WHERE session_key IN ($1, $2) AND active
GROUP BY sku_id ORDER BY sku_id)SQL";

inline constexpr const char* kCartForgetRequests = R"SQL(
SELECT atelier.cart_forget_requests())SQL";

}  // namespace atelier::catalog::sql
