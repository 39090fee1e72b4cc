#include "etl/publish.hpp"

#include <cstdlib>
#include <thread>

#include "etl/copy_text.hpp"
#include "schema/channel.hpp"

namespace atelier::etl {

namespace {

std::int64_t as_signed(std::uint64_t value) {
  return static_cast<std::int64_t>(value);  // revisions are stored as int8 bit patterns
}

// Splits a '\t'-joined row of query_rows into numbers.
std::vector<std::int64_t> numbers_of(const std::string& row) {
  std::vector<std::int64_t> out;
  const char* p = row.c_str();
  for (;;) {
    char* end = nullptr;
    out.push_back(std::strtoll(p, &end, 10));
    if (*end != '\t') break;
    p = end + 1;
  }
  return out;
}

}  // namespace

bool lock_catalog(PgSession& session, std::chrono::seconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::string sql = "SELECT pg_try_advisory_lock(" + std::to_string(kCatalogLockKey) + ")";
  while (session.query_value(sql) != "t") {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

ChangeCounts count_changes(const std::vector<ProductChange>& changes) {
  ChangeCounts counts;
  for (const auto& c : changes) {
    if (!c.revision) {
      ++counts.deleted;
    } else if (!c.previous) {
      ++counts.added;
    } else {
      ++counts.changed;
    }
  }
  return counts;
}

std::vector<ProductChange> diff_states(const std::vector<ProductState>& previous,
                                       const std::vector<ProductState>& next) {
  std::vector<ProductChange> changes;
  auto p = previous.begin();
  auto n = next.begin();
  while (p != previous.end() || n != next.end()) {
    if (n == next.end() || (p != previous.end() && p->id < n->id)) {
      changes.push_back({p->id, std::nullopt, p->revision});
      ++p;
    } else if (p == previous.end() || n->id < p->id) {
      changes.push_back({n->id, n->revision, std::nullopt});
      ++n;
    } else {
      if (p->revision != n->revision) changes.push_back({n->id, n->revision, p->revision});
      ++p;
      ++n;
    }
  }
  return changes;
}

std::vector<ProductState> read_product_states(PgSession& session, const std::string& schema,
                                              const std::string& where) {
  std::vector<ProductState> states;
  if (session.query_value("SELECT to_regclass(" + session.literal(schema + ".product_state") +
                          ") IS NOT NULL") != "t") {
    return states;
  }
  const auto rows = session.query_rows(
      "SELECT s.product_id, s.d_product, s.d_features, s.d_styles, s.d_photos, s.d_skus, "
      "s.d_related, floor(extract(epoch FROM p.created_at) * 1000)::int8, "
      "floor(extract(epoch FROM p.updated_at) * 1000)::int8, p.revision FROM " +
      schema + ".product_state s JOIN " + schema + ".products p ON p.id = s.product_id " + where +
      " ORDER BY s.product_id");
  states.reserve(rows.size());
  for (const auto& row : rows) {
    const auto n = numbers_of(row);
    if (n.size() != 10) continue;
    ProductState s;
    s.id = n[0];
    for (std::size_t i = 0; i < kDigestFiles; ++i) {
      s.digests[i] = static_cast<std::uint64_t>(n[1 + i]);
    }
    s.created_ms = n[7];
    s.updated_ms = n[8];
    s.revision = static_cast<std::uint64_t>(n[9]);
    states.push_back(s);
  }
  return states;
}

void copy_product_states(PgSession& session, const std::string& table,
                         const std::vector<ProductState>& states) {
  CopyBuffer copy(session, "COPY " + table +
                               " (product_id, d_product, d_features, d_styles, d_photos, d_skus, "
                               "d_related) FROM STDIN");
  std::string& text = copy.text();
  for (const auto& s : states) {
    append_copy_int(text, s.id);
    for (const std::uint64_t d : s.digests) {
      text.push_back('\t');
      append_copy_int(text, as_signed(d));
    }
    text.push_back('\n');
    copy.row_done();
  }
  copy.finish();
}

void write_rejects(PgSession& session, std::int64_t version, std::int64_t publish_id,
                   const std::vector<RejectRecord>& rejects) {
  if (rejects.empty()) return;
  CopyBuffer copy(session,
                  "COPY atelier.rejects (version, publish_id, file, line, reason, action, excerpt) "
                  "FROM STDIN");
  std::string& text = copy.text();
  for (const auto& r : rejects) {
    append_copy_int(text, version);
    text.push_back('\t');
    if (publish_id > 0) {
      append_copy_int(text, publish_id);
    } else {
      append_copy_null(text);
    }
    text.push_back('\t');
    append_copy_text(text, r.file);
    text.push_back('\t');
    append_copy_int(text, r.line);
    text.push_back('\t');
    append_copy_text(text, r.reason);
    text.append(r.repaired ? "\trepaired\t" : "\trejected\t");
    append_copy_text(text, r.excerpt);
    text.push_back('\n');
    copy.row_done();
  }
  copy.finish();
}

LineCounts count_lines(const std::vector<FileReport>& files) {
  LineCounts counts;
  for (const auto& f : files) {
    counts.rows += f.rows;
    counts.rejected += f.rejected;
    counts.repaired += f.repaired;
  }
  return counts;
}

std::int64_t record_publish(PgSession& session, std::int64_t dataset_version,
                            const std::string& kind, const std::string& source_dir,
                            const std::vector<ProductChange>& changes, bool listed,
                            const LineCounts& lines) {
  const ChangeCounts counts = count_changes(changes);
  listed = listed && changes.size() <= kMaxListedChanges;
  const std::string id = session.query_value(
      "INSERT INTO atelier.publishes (dataset_version, kind, changed, added, deleted, "
      "changes_listed, source_dir, rows, rejected, repaired) VALUES (" +
      std::to_string(dataset_version) + ", " + session.literal(kind) + ", " +
      std::to_string(counts.changed) + ", " + std::to_string(counts.added) + ", " +
      std::to_string(counts.deleted) + ", " + (listed ? "true" : "false") + ", " +
      session.literal(source_dir) + ", " + std::to_string(lines.rows) + ", " +
      std::to_string(lines.rejected) + ", " + std::to_string(lines.repaired) + ") RETURNING id");
  if (listed && !changes.empty()) {
    CopyBuffer copy(session, "COPY atelier.changes (publish_id, product_id, revision) FROM STDIN");
    std::string& text = copy.text();
    for (const auto& c : changes) {
      text.append(id);
      text.push_back('\t');
      append_copy_int(text, c.product_id);
      text.push_back('\t');
      if (c.revision) {
        append_copy_int(text, as_signed(*c.revision));
      } else {
        append_copy_null(text);
      }
      text.push_back('\n');
      copy.row_done();
    }
    copy.finish();
  }
  session.exec("DELETE FROM atelier.publishes WHERE id <= " + id + " - " +
               std::to_string(kPublishesKept) + "; NOTIFY " + schema::kCatalogChannel + ", '" + id +
               "'");
  return std::stoll(id);
}

}  // namespace atelier::etl
