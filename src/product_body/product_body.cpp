#include "product_body/product_body.hpp"

#include <algorithm>
#include <string>

#include "encoding/representation.hpp"
#include "json/serialize.hpp"

namespace atelier::product_body {

namespace {

// The recipe's steps that differ by kind: which product, which revision, which JSON.
std::int64_t id_of(const model::ProductDetail& d) {
  return d.product.id;
}
std::int64_t id_of(const model::ProductStyles& s) {
  return s.product_id;
}
std::int64_t id_of(const model::RelatedIds& r) {
  return r.product_id;
}

std::uint64_t revision_of(const model::ProductDetail& d) {
  return d.product.revision;
}
std::uint64_t revision_of(const model::ProductStyles& s) {
  return s.revision;
}
std::uint64_t revision_of(const model::RelatedIds& r) {
  return r.revision;
}

std::string json_of(const model::ProductDetail& d, std::string_view campus) {
  return json::write_product_detail(d, campus);
}
std::string json_of(const model::ProductStyles& s, std::string_view) {
  return json::write_styles(s);
}
std::string json_of(const model::RelatedIds& r, std::string_view) {
  return json::write_related(r.ids);
}

// Rows -> JSON -> compressed entry (once, here) -> key by the rows' revision.
template <typename Rows>
Body body_of(cache::ProductBody kind, const Rows& rows, std::string_view campus) {
  Body out;
  out.id = id_of(rows);
  out.revision = revision_of(rows);
  out.keyed.key = cache::CacheKey::body(kind, out.id, out.revision);
  out.keyed.entry = encoding::make_entry(json_of(rows, campus));
  return out;
}

template <typename Rows>
catalog::Result<std::optional<Body>> one_of(
    cache::ProductBody kind, catalog::Result<catalog::Versioned<std::optional<Rows>>>&& read,
    std::string_view campus) {
  if (!read.ok()) return read.error();
  if (!read.value().value) return std::optional<Body>{};
  return std::optional<Body>{body_of(kind, *read.value().value, campus)};
}

bool wanted(const Selection& selection, std::int64_t id) {
  return selection.only.empty() ||
         std::binary_search(selection.only.begin(), selection.only.end(), id);
}

template <typename Rows>
catalog::Result<std::vector<Body>> all_of(
    cache::ProductBody kind, catalog::Result<catalog::Versioned<std::vector<Rows>>>&& read,
    const Selection& selection, std::string_view campus) {
  if (!read.ok()) return read.error();
  std::vector<Body> out;
  out.reserve(read.value().value.size());
  for (const auto& rows : read.value().value) {
    if (wanted(selection, id_of(rows))) out.push_back(body_of(kind, rows, campus));
  }
  return out;
}

}  // namespace

catalog::Result<std::optional<Body>> make_one(catalog::ProductRows& reader, cache::ProductBody body,
                                              std::int64_t id, std::string_view campus) {
  switch (body) {
    case cache::ProductBody::detail:
      return one_of(body, reader.product_detail(id), campus);
    case cache::ProductBody::styles:
      return one_of(body, reader.product_styles(id), campus);
    case cache::ProductBody::related:
      break;
  }
  return one_of(body, reader.related(id), campus);
}

catalog::Result<std::vector<Body>> make_batch(catalog::BatchReader& reader, cache::ProductBody body,
                                              const Selection& selection, std::string_view campus) {
  const bool by_list = !selection.only.empty();
  switch (body) {
    case cache::ProductBody::detail:
      // Details are read over the whole id range even for a list (the others by list).
      return all_of(body, reader.product_details_between(selection.first, selection.last),
                    selection, campus);
    case cache::ProductBody::styles:
      return all_of(body,
                    by_list ? reader.product_styles_in(selection.only)
                            : reader.product_styles_between(selection.first, selection.last),
                    selection, campus);
    case cache::ProductBody::related:
      break;
  }
  return all_of(body,
                by_list ? reader.related_in(selection.only)
                        : reader.related_between(selection.first, selection.last),
                selection, campus);
}

void forget_revisions(cache::ReadThrough& cache, std::span<const catalog::RevisionChange> changes) {
  // Deleted in batches: a load that changed 10,000 products drops 30,000 keys, which should not
  // be one Redis command that blocks it for long.
  constexpr std::size_t kBatch = 3000;
  std::vector<std::string> keys;
  keys.reserve(kBatch + 3);
  for (const auto& change : changes) {
    if (change.previous == 0) continue;
    for (const auto body : cache::kProductBodies) {
      keys.push_back(cache::CacheKey::body(body, change.product_id, change.previous));
    }
    if (keys.size() >= kBatch) {
      cache.forget(keys);
      keys.clear();
    }
  }
  cache.forget(keys);
}

std::function<void(std::span<const catalog::RevisionChange>)> invalidator(
    cache::ReadThrough& cache) {
  return [&cache](std::span<const catalog::RevisionChange> changes) {
    forget_revisions(cache, changes);
  };
}

}  // namespace atelier::product_body
