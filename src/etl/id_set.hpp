// A set of catalog ids, used to check parents (product of a style, style of a photo) and to spot
// duplicate ids. Catalog ids are dense small integers (1..~11.3M), so a bitset sized to the largest
// id is ~1.4 MB for skus and O(1) per lookup; ids beyond kDenseLimit (or negative) go to a hash
// set so a single absurd id cannot make us allocate gigabytes.
#pragma once

#include <cstdint>
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

}  // namespace atelier::etl
