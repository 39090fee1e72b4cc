// Per-product content digests and revisions (docs/ARCHITECTURE.md "Revisions").
//
// A product's served bodies (detail, styles, related) are made from its rows in six files and from
// its created_at / updated_at. The loader keeps, per product and file, a digest of the accepted
// rows in file order (ProductDigests); a load compares the combined digest with the previous
// dataset's to decide whether the product changed, and the revision names the bodies: equal
// revisions mean byte-identical bodies, so cache keys and ETags survive loads that leave a
// product alone.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace atelier::etl {

// The six files whose rows make a product's bodies, in ProductState::digests order.
enum class DigestFile : std::uint8_t { products, features, styles, photos, skus, related };
inline constexpr std::size_t kDigestFiles = 6;

// One file's rows, accumulated per product in file order (order-sensitive, independent of line
// numbers). 0 = no rows. Dense by id like IdSet; ids beyond kDenseLimit go to a hash map.
class ProductDigests {
 public:
  static constexpr std::int64_t kDenseLimit = std::int64_t{1} << 25;

  void add(std::int64_t product_id, std::uint64_t row_hash);
  std::uint64_t get(std::int64_t product_id) const;
  // Starts a product over (a partial update replaces its rows of this file).
  void reset(std::int64_t product_id);

 private:
  std::vector<std::uint64_t> dense_;
  std::unordered_map<std::int64_t, std::uint64_t> sparse_;
};

// Folds one more row into a running digest (what ProductDigests::add does per product).
std::uint64_t fold_row(std::uint64_t digest, std::uint64_t row_hash);

struct ProductState {
  std::int64_t id = 0;
  std::array<std::uint64_t, kDigestFiles> digests{};
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::uint64_t revision = 0;
};

// The digest of all six files' digests.
std::uint64_t content_digest(const std::array<std::uint64_t, kDigestFiles>& digests);
// The revision of bodies made from that content with those timestamps. Never 0 (0 means "no such
// product" in the hosts' revision tables).
std::uint64_t revision_of(std::uint64_t content, std::int64_t created_ms, std::int64_t updated_ms);

// Fills created/updated/revision of `next` from `previous` (nullptr: a new product) at time `now`:
// a product keeps its created_at; it keeps its updated_at, and so its revision, when its content
// digest is unchanged.
void stamp(ProductState& next, const ProductState* previous, std::int64_t now_ms);

// "2021-08-13 14:38:44.509+00" (COPY text of a timestamptz) from epoch milliseconds.
std::string copy_timestamp(std::int64_t epoch_ms);
// Milliseconds since the epoch, now.
std::int64_t now_epoch_ms();

}  // namespace atelier::etl
