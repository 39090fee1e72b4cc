// Product id -> revision of its bodies (0 = no such product), one per host, read on every product
// request and written by one thread (ChangeFeed). Cache keys name the revision, so a host finds a
// product's cached bodies without asking PostgreSQL, and a change moves it to new keys at once.
//
// Catalog ids are dense small integers, so ids below kDenseLimit live in chunks of atomics that are
// allocated on first write and never freed while the table lives: a read is two relaxed loads, no
// lock. Larger (or negative) ids go to a hash map behind a shared mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace atelier::catalog {

class RevisionTable {
 public:
  static constexpr int kChunkBits = 16;
  static constexpr std::int64_t kChunkSize = std::int64_t{1} << kChunkBits;
  static constexpr std::int64_t kDenseLimit = std::int64_t{1} << 30;

  RevisionTable();
  RevisionTable(const RevisionTable&) = delete;
  RevisionTable& operator=(const RevisionTable&) = delete;

  // Safe from any thread, concurrently with set().
  std::uint64_t get(std::int64_t id) const;
  // One writer at a time. Returns the previous revision.
  std::uint64_t set(std::int64_t id, std::uint64_t revision);
  // Calls fn(id, revision) for every id with a revision (writer thread only).
  void for_each(const std::function<void(std::int64_t, std::uint64_t)>& fn) const;
  // Ids with a revision.
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  using Chunk = std::array<std::atomic<std::uint64_t>, kChunkSize>;
  std::vector<std::atomic<Chunk*>> chunks_;  // kDenseLimit / kChunkSize slots
  std::vector<std::unique_ptr<Chunk>> owned_;
  mutable std::shared_mutex sparse_mutex_;
  std::unordered_map<std::int64_t, std::uint64_t> sparse_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace atelier::catalog
