#include "catalog/revision_table.hpp"

namespace atelier::catalog {

RevisionTable::RevisionTable() : chunks_(static_cast<std::size_t>(kDenseLimit / kChunkSize)) {}

std::uint64_t RevisionTable::get(std::int64_t id) const {
  if (id >= 0 && id < kDenseLimit) {
    const Chunk* chunk =
        chunks_[static_cast<std::size_t>(id >> kChunkBits)].load(std::memory_order_acquire);
    if (chunk == nullptr) return 0;
    return (*chunk)[static_cast<std::size_t>(id & (kChunkSize - 1))].load(
        std::memory_order_relaxed);
  }
  std::shared_lock lock(sparse_mutex_);
  const auto it = sparse_.find(id);
  return it == sparse_.end() ? 0 : it->second;
}

std::uint64_t RevisionTable::set(std::int64_t id, std::uint64_t revision) {
  std::uint64_t previous = 0;
  if (id >= 0 && id < kDenseLimit) {
    auto& slot = chunks_[static_cast<std::size_t>(id >> kChunkBits)];
    Chunk* chunk = slot.load(std::memory_order_acquire);
    if (chunk == nullptr) {
      if (revision == 0) return 0;
      owned_.push_back(std::make_unique<Chunk>());
      chunk = owned_.back().get();
      for (auto& value : *chunk) value.store(0, std::memory_order_relaxed);
      slot.store(chunk, std::memory_order_release);
    }
    previous = (*chunk)[static_cast<std::size_t>(id & (kChunkSize - 1))].exchange(
        revision, std::memory_order_relaxed);
  } else {
    std::unique_lock lock(sparse_mutex_);
    auto it = sparse_.find(id);
    if (it != sparse_.end()) previous = it->second;
    if (revision == 0) {
      if (it != sparse_.end()) sparse_.erase(it);
    } else {
      sparse_[id] = revision;
    }
  }
  if (previous == 0 && revision != 0) size_.fetch_add(1, std::memory_order_relaxed);
  if (previous != 0 && revision == 0) size_.fetch_sub(1, std::memory_order_relaxed);
  return previous;
}

void RevisionTable::for_each(const std::function<void(std::int64_t, std::uint64_t)>& fn) const {
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    const Chunk* chunk = chunks_[c].load(std::memory_order_acquire);
    if (chunk == nullptr) continue;
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      const std::uint64_t revision = (*chunk)[i].load(std::memory_order_relaxed);
      if (revision != 0) fn(static_cast<std::int64_t>((c << kChunkBits) | i), revision);
    }
  }
  std::shared_lock lock(sparse_mutex_);
  for (const auto& [id, revision] : sparse_) fn(id, revision);
}

}  // namespace atelier::catalog
