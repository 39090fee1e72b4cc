// A set of catalog ids, used to check parents (product of a style, style of a photo) and to spot
// duplicate ids. Catalog ids are dense small integers (1..~11.3M), so a bitset sized to the largest
// id is ~1.4 MB for skus and O(1) per lookup; ids beyond kDenseLimit (or negative) go to a hash
// set so a single absurd id cannot make us allocate gigabytes.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace atelier::etl {

class IdSet {
 public:
  static constexpr std::int64_t kDenseLimit = std::int64_t{1} << 30;  // 128 MiB of bits at most

  // Returns false when the id was already present.
  bool insert(std::int64_t id);
  bool contains(std::int64_t id) const;
  std::size_t size() const { return size_; }

 private:
  std::vector<std::uint64_t> words_;
  std::unordered_set<std::int64_t> sparse_;
  std::size_t size_ = 0;
};

// Ids that each name one owner id: style id -> product id. Photos and skus rows carry their
// product id (ARCHITECTURE "Dataset tables"), so the loader must know the product of every style
// it accepted. Dense like IdSet (8 bytes per id up to the largest id, ~16 MB for 2M styles);
// ids beyond kDenseLimit or negative go to a hash map.
class IdMap {
 public:
  static constexpr std::int64_t kDenseLimit = std::int64_t{1} << 25;  // 256 MiB of owners at most

  // Returns false (and keeps the first owner) when the id was already present. Owners are whole
  // numbers (>= 0; std::invalid_argument otherwise): an id lives in the dense part or, beyond it,
  // in the hash map, never in both.
  bool insert(std::int64_t id, std::int64_t owner);
  std::optional<std::int64_t> find(std::int64_t id) const;
  bool contains(std::int64_t id) const { return find(id).has_value(); }
  std::size_t size() const { return size_; }

 private:
  // Never an owner (owners are >= 0): marks a free dense slot.
  static constexpr std::int64_t kAbsent = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> dense_;
  std::unordered_map<std::int64_t, std::int64_t> sparse_;
  std::size_t size_ = 0;
};

}  // namespace atelier::etl
