#include "etl/updater.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "etl/cart_sessions.hpp"
#include "etl/catalog_files.hpp"
#include "etl/copy_text.hpp"
#include "etl/csv_line.hpp"
#include "etl/file_stream.hpp"
#include "etl/id_set.hpp"
#include "etl/line_file.hpp"
#include "etl/loader.hpp"
#include "etl/pg_session.hpp"
#include "etl/publish.hpp"
#include "etl/revision.hpp"
#include "etl/schema_sql.hpp"
#include "schema/migrations.hpp"

namespace atelier::etl {

namespace {

using Clock = std::chrono::steady_clock;
using Ids = std::vector<std::int64_t>;

constexpr std::string_view kDeletedFile = "deleted.csv";
constexpr std::string_view kDeletedHeader = "product_id";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void sort_unique(Ids& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

Ids merged(const Ids& a, const Ids& b) {
  Ids out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool has(const Ids& sorted, std::int64_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

// '{1,2,3}'::int8[] for `= ANY(...)`.
std::string id_array(const Ids& ids) {
  std::string out = "'{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_copy_int(out, ids[i]);
  }
  return out + "}'::int8[]";
}

Ids numbers_of(const std::vector<std::string>& rows) {
  Ids out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(std::stoll(row));
  return out;
}

// (id, owner) pairs of a file's lines that have numbers there, before any validation: what the
// update will try to insert, to find ids that belong to another product already.
std::vector<std::pair<std::int64_t, std::int64_t>> scan_pairs(const std::filesystem::path& path,
                                                              std::size_t owner_field) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  LineFile file(path);
  std::string_view line;
  file.next(line);  // header (checked before)
  CsvRecord record;
  while (file.next(line)) {
    if (!is_clean_utf8(line) || !parse_csv_line(line, record)) continue;
    if (record.count <= owner_field) continue;
    const auto id = parse_whole_number(record.fields[0].text);
    const auto owner = parse_whole_number(record.fields[owner_field].text);
    if (id && owner) out.emplace_back(*id, *owner);
  }
  return out;
}

// Existing rows (id -> product) of `table` among `ids`.
std::unordered_map<std::int64_t, std::int64_t> owners_in(PgSession& db, const std::string& table,
                                                         const Ids& ids) {
  std::unordered_map<std::int64_t, std::int64_t> out;
  if (ids.empty()) return out;
  for (const auto& row : db.query_rows("SELECT id, product_id FROM " + table + " WHERE id = ANY(" +
                                       id_array(ids) + ")")) {
    const auto tab = row.find('\t');
    out.emplace(std::stoll(row.substr(0, tab)), std::stoll(row.substr(tab + 1)));
  }
  return out;
}

// One update file after validation: its COPY text, its accepted rows' products, their digests.
struct FileUpdate {
  CatalogFile file{};
  bool present = false;
  std::string copy;
  Ids products;  // sorted, unique
  ProductDigests digests;
  StreamResult result;
};

}  // namespace

DeletedIds read_deleted(const std::filesystem::path& path, const IdSet& existing) {
  DeletedIds out;
  out.result.report.file = std::string(kDeletedFile);
  LineFile file(path);
  out.result.report.bytes = file.size_bytes();
  std::string_view line;
  file.next(line);
  std::int64_t number = 1;
  IdSet seen;
  while (file.next(line)) {
    ++number;
    const std::string_view text = strip_line_end(line);
    if (text.empty()) {
      ++out.result.report.blank;
      continue;
    }
    CsvRecord record;
    std::string_view reason;
    std::optional<std::int64_t> id;
    if (!is_clean_utf8(text) || !parse_csv_line(text, record) || record.count != 1) {
      reason = "wrong field count";
    } else if (!(id = parse_whole_number(record.fields[0].text))) {
      reason = "bad product_id";
    } else if (!existing.contains(*id)) {
      reason = "no such product";
    } else if (!seen.insert(*id)) {
      reason = "duplicate id";
    }
    if (!reason.empty()) {
      ++out.result.report.rejected;
      out.result.rejects.push_back(RejectRecord{std::string(kDeletedFile), number,
                                                std::string(reason), false, excerpt_of(text)});
      continue;
    }
    ++out.result.report.rows;
    out.ids.push_back(*id);
  }
  sort_unique(out.ids);
  return out;
}

namespace {

// Streams one update file into memory (update files are small) through the full load's rules.
void encode_file(FileUpdate& update, const std::filesystem::path& path, RowEncoder& encoder,
                 std::function<std::string_view(const CsvRecord&)> veto) {
  StreamHooks hooks;
  hooks.sink = [&update](std::string_view data) { update.copy.append(data); };
  hooks.digests = &update.digests;
  hooks.products = &update.products;
  hooks.veto = std::move(veto);
  update.result = stream_file(spec_of(update.file), path, encoder, hooks);
  sort_unique(update.products);
}

void copy_into(PgSession& db, const std::string& table, std::string_view columns,
               const std::string& text) {
  CopyBuffer copy(db, "COPY " + table + " (" + std::string(columns) + ") FROM STDIN");
  copy.text() = text;
  copy.finish();
}

}  // namespace

void check_update_dir(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw LoadError("update directory " + dir.string() + " does not exist");
  }
  std::string problems;
  int found = 0;
  const auto check = [&](std::string_view name, std::string_view header) {
    const auto path = dir / name;
    if (!std::filesystem::is_regular_file(path)) return;
    ++found;
    LineFile file(path);
    std::string_view line;
    if (!file.next(line)) {
      problems += "\n  " + std::string(name) + ": empty (no header line)";
    } else if (strip_bom(line) != header) {
      problems += "\n  " + std::string(name) + ": header is \"" +
                  excerpt_of(strip_line_end(line), 200) + "\", expected \"" + std::string(header) +
                  "\"";
    }
  };
  for (const auto& spec : catalog_files()) {
    if (spec.file != CatalogFile::cart) check(spec.file_name, spec.header);
  }
  check(kDeletedFile, kDeletedHeader);
  if (found == 0) {
    problems +=
        "\n  none of product.csv, features.csv, styles.csv, photos.csv, skus.csv, "
        "related.csv, deleted.csv is there";
  }
  if (!problems.empty()) {
    throw LoadError("update directory " + dir.string() + " cannot be applied:" + problems);
  }
}

UpdateReport apply_update(const UpdateOptions& options) {
  const auto start = Clock::now();
  check_update_dir(options.data_dir);
  const auto path_of = [&](std::string_view name) { return options.data_dir / name; };
  const auto present = [&](std::string_view name) {
    return std::filesystem::is_regular_file(path_of(name));
  };

  PgSession db(options.database_url);
  if (!lock_catalog(db, options.lock_wait)) {
    throw LoadError("another atelier-etl load or update is running on this database");
  }
  schema::migrate(options.database_url,
                  [](std::string_view line) { std::fwrite(line.data(), 1, line.size(), stderr); });
  key_raw_cart_sessions(db, options.session_keyer.get());
  const auto active =
      db.query_rows("SELECT version, schema_name FROM atelier.datasets WHERE state = 'active'");
  if (active.empty()) throw LoadError("no catalog is loaded yet: run a full load first");
  UpdateReport report;
  report.dataset_version = std::stoll(active[0].substr(0, active[0].find('\t')));
  const std::string schema = active[0].substr(active[0].find('\t') + 1);
  const auto table = [&](std::string_view name) { return schema + "." + std::string(name); };

  // Which products exist now, which go, which the update brings.
  const Ids existing_ids = numbers_of(db.query_rows("SELECT id FROM " + table("products")));
  IdSet existing;
  for (const std::int64_t id : existing_ids) existing.insert(id);
  DeletedIds deleted;
  if (present(kDeletedFile)) deleted = read_deleted(path_of(kDeletedFile), existing);
  const auto is_deleted = [&](std::int64_t id) { return has(deleted.ids, id); };

  // product.csv, read once: its rows (with placeholder stamps: the real ones need every file's
  // digests, and replace them in the transaction) and each row's hash.
  FileUpdate products_update;
  products_update.file = CatalogFile::products;
  products_update.present = present("product.csv");
  std::unordered_map<std::int64_t, std::uint64_t> product_row_hash;
  if (products_update.present) {
    RowEncoder encoder(CatalogFile::products, {},
                       [&](std::int64_t id, std::uint64_t row_hash, std::string& out) {
                         product_row_hash[id] = row_hash;
                         out.append("\t1970-01-01 00:00:00+00\t1970-01-01 00:00:00+00\t0");
                       });
    encode_file(products_update, path_of("product.csv"), encoder,
                [&](const CsvRecord& r) -> std::string_view {
                  const auto id = parse_whole_number(r.fields[0].text);
                  return id && is_deleted(*id) ? "product is deleted by this update" : "";
                });
  }
  const Ids& new_product_rows = products_update.products;  // ids of accepted product.csv rows
  // Parents of every other row: the products that will exist after the update.
  IdSet parents;
  for (const std::int64_t id : existing_ids) {
    if (!is_deleted(id)) parents.insert(id);
  }
  for (const std::int64_t id : new_product_rows) parents.insert(id);

  std::map<CatalogFile, FileUpdate> files;
  for (const CatalogFile f : {CatalogFile::features, CatalogFile::styles, CatalogFile::photos,
                              CatalogFile::skus, CatalogFile::related}) {
    files[f].file = f;
    files[f].present = present(spec_of(f).file_name);
  }

  // Styles: an id that already belongs to a product this update does not replace would collide.
  RowEncoder styles_encoder(CatalogFile::styles, ParentIds{&parents, nullptr, nullptr});
  if (files[CatalogFile::styles].present) {
    const auto pairs = scan_pairs(path_of("styles.csv"), 1);
    Ids ids;
    Ids replaced;
    for (const auto& [id, product] : pairs) {
      ids.push_back(id);
      replaced.push_back(product);
    }
    sort_unique(ids);
    sort_unique(replaced);
    const auto owners = owners_in(db, table("styles"), ids);
    encode_file(files[CatalogFile::styles], path_of("styles.csv"), styles_encoder,
                [&](const CsvRecord& r) -> std::string_view {
                  const auto id = parse_whole_number(r.fields[0].text);
                  if (!id) return "";
                  const auto it = owners.find(*id);
                  if (it == owners.end() || has(replaced, it->second) || is_deleted(it->second)) {
                    return "";
                  }
                  return "style id belongs to another product";
                });
  }
  const IdMap& update_styles = styles_encoder.style_products();
  const Ids& styled = files[CatalogFile::styles].products;
  const auto style_in_update = [&](const CsvRecord& r) -> std::string_view {
    const auto style = parse_whole_number(r.fields[1].text);
    if (style && !update_styles.contains(*style)) {
      return "style not in this update (a product's styles come with their photos and skus)";
    }
    return "";
  };
  ParentIds family{&parents, &update_styles, nullptr};
  if (files[CatalogFile::photos].present) {
    RowEncoder encoder(CatalogFile::photos, family);
    encode_file(files[CatalogFile::photos], path_of("photos.csv"), encoder, style_in_update);
  }
  if (files[CatalogFile::skus].present) {
    Ids ids;
    for (const auto& [id, style] : scan_pairs(path_of("skus.csv"), 1)) ids.push_back(id);
    sort_unique(ids);
    const auto owners = owners_in(db, table("skus"), ids);
    RowEncoder encoder(CatalogFile::skus, family);
    encode_file(files[CatalogFile::skus], path_of("skus.csv"), encoder,
                [&](const CsvRecord& r) -> std::string_view {
                  const std::string_view missing = style_in_update(r);
                  if (!missing.empty()) return missing;
                  const auto id = parse_whole_number(r.fields[0].text);
                  if (!id) return "";
                  const auto it = owners.find(*id);
                  if (it == owners.end() || has(styled, it->second) || is_deleted(it->second)) {
                    return "";
                  }
                  return "sku id belongs to another product";
                });
  }
  for (const CatalogFile f : {CatalogFile::features, CatalogFile::related}) {
    if (!files[f].present) continue;
    RowEncoder encoder(f, ParentIds{&parents, nullptr, nullptr});
    encode_file(files[f], path_of(spec_of(f).file_name), encoder, {});
  }

  // What each file replaces: a product's rows of that file (the styles family together).
  const Ids replace_features = merged(files[CatalogFile::features].products, deleted.ids);
  const Ids replace_styles = merged(styled, deleted.ids);
  const Ids replace_related = merged(files[CatalogFile::related].products, deleted.ids);

  const std::int64_t now_ms = now_epoch_ms();
  const auto apply_start = Clock::now();
  db.exec("BEGIN");
  try {
    // The update's rows, staged.
    for (auto& [file, update] : files) {
      if (!update.present) continue;
      const auto& spec = spec_of(file);
      const std::string staged = "update_" + std::string(spec.table);
      db.exec("CREATE TEMP TABLE " + staged + " (LIKE " + table(spec.table) + ") ON COMMIT DROP");
      copy_into(db, staged, spec.copy_columns, update.copy);
    }
    const auto replace = [&](std::string_view name, const Ids& products) {
      if (products.empty()) return;
      db.exec("DELETE FROM " + table(name) + " WHERE product_id = ANY(" + id_array(products) + ")");
    };
    replace("features", replace_features);
    replace("styles", replace_styles);
    replace("photos", replace_styles);
    replace("skus", replace_styles);
    replace("related", replace_related);
    for (auto& [file, update] : files) {
      if (!update.present) continue;
      const std::string name(spec_of(file).table);
      db.exec("INSERT INTO " + table(name) + " SELECT * FROM update_" + name);
    }
    // Other products' related rows that name a deleted product are dangling now: they go, as a
    // full load would have rejected them, and those products change.
    Ids dangling;
    if (!deleted.ids.empty()) {
      dangling = numbers_of(db.query_rows("DELETE FROM " + table("related") +
                                          " WHERE related_product_id = ANY(" +
                                          id_array(deleted.ids) + ") RETURNING product_id"));
      sort_unique(dangling);
    }

    // Their related rows' digest again, from the rows that stay, as a full load would compute
    // it (related rows are whole numbers only, so the CSV fields are their decimal text).
    std::unordered_map<std::int64_t, std::uint64_t> dangling_digests;
    if (!dangling.empty()) {
      for (const std::int64_t id : dangling) dangling_digests[id] = 0;
      for (const auto& row : db.query_rows("SELECT id, product_id, related_product_id FROM " +
                                           table("related") + " WHERE product_id = ANY(" +
                                           id_array(dangling) + ") ORDER BY product_id, line")) {
        const auto first = row.find('\t');
        const auto second = row.find('\t', first + 1);
        const std::string_view text(row);
        CsvRecord fields;
        fields.count = 3;
        fields.fields[0] = {text.substr(0, first), FieldKind::bare, false};
        fields.fields[1] = {text.substr(first + 1, second - first - 1), FieldKind::bare, false};
        fields.fields[2] = {text.substr(second + 1), FieldKind::bare, false};
        auto& digest = dangling_digests[std::stoll(row.substr(first + 1, second - first - 1))];
        digest = fold_row(digest, record_hash(fields));
      }
    }

    // Every product whose bodies may change, and what it was before.
    Ids affected = new_product_rows;
    for (const auto& [file, update] : files) affected = merged(affected, update.products);
    affected = merged(affected, dangling);
    const Ids before_ids = merged(affected, deleted.ids);
    std::vector<ProductState> before;
    if (!before_ids.empty()) {
      before =
          read_product_states(db, schema, "WHERE s.product_id = ANY(" + id_array(before_ids) + ")");
    }
    const auto find_before = [&](std::int64_t id) -> const ProductState* {
      const auto it = std::lower_bound(
          before.begin(), before.end(), id,
          [](const ProductState& s, std::int64_t wanted) { return s.id < wanted; });
      return it != before.end() && it->id == id ? &*it : nullptr;
    };

    // The product rows; their stamps follow below, from the digests of the files this update
    // replaced and the kept ones.
    if (products_update.present) {
      db.exec("CREATE TEMP TABLE update_products (LIKE " + table("products") + ") ON COMMIT DROP");
      copy_into(db, "update_products", spec_of(CatalogFile::products).copy_columns,
                products_update.copy);
      if (!new_product_rows.empty()) {
        db.exec("DELETE FROM " + table("products") + " WHERE id = ANY(" +
                id_array(new_product_rows) + ")");
      }
      db.exec("INSERT INTO " + table("products") + " SELECT * FROM update_products");
    }
    if (!deleted.ids.empty()) {
      db.exec("DELETE FROM " + table("products") + " WHERE id = ANY(" + id_array(deleted.ids) +
              ")");
    }

    std::vector<ProductState> after;
    after.reserve(affected.size());
    const std::array<const FileUpdate*, kDigestFiles> by_digest{&products_update,
                                                                &files[CatalogFile::features],
                                                                &files[CatalogFile::styles],
                                                                &files[CatalogFile::photos],
                                                                &files[CatalogFile::skus],
                                                                &files[CatalogFile::related]};
    for (const std::int64_t id : affected) {
      const ProductState* previous = find_before(id);
      ProductState state;
      state.id = id;
      if (previous != nullptr) state.digests = previous->digests;
      if (const auto it = product_row_hash.find(id); it != product_row_hash.end()) {
        state.digests[0] = it->second;
      }
      if (has(files[CatalogFile::features].products, id)) {
        state.digests[1] = files[CatalogFile::features].digests.get(id);
      }
      if (has(styled, id)) {
        for (std::size_t f = 2; f <= 4; ++f) state.digests[f] = by_digest[f]->digests.get(id);
      }
      if (has(files[CatalogFile::related].products, id)) {
        state.digests[5] = files[CatalogFile::related].digests.get(id);
      }
      if (const auto it = dangling_digests.find(id); it != dangling_digests.end()) {
        state.digests[5] = it->second;
      }
      stamp(state, previous, now_ms);
      after.push_back(state);
    }
    if (!after.empty()) {
      db.exec(
          "CREATE TEMP TABLE update_stamps (id int8, created_at timestamptz, updated_at "
          "timestamptz, revision int8) ON COMMIT DROP");
      CopyBuffer copy(db, "COPY update_stamps FROM STDIN");
      for (const auto& s : after) {
        append_copy_int(copy.text(), s.id);
        copy.text() +=
            "\t" + copy_timestamp(s.created_ms) + "\t" + copy_timestamp(s.updated_ms) + "\t";
        append_copy_int(copy.text(), static_cast<std::int64_t>(s.revision));
        copy.text().push_back('\n');
        copy.row_done();
      }
      copy.finish();
      db.exec("UPDATE " + table("products") +
              " p SET created_at = s.created_at, updated_at = s.updated_at, revision = s.revision "
              "FROM update_stamps s WHERE p.id = s.id");
    }
    db.exec("DELETE FROM " + table("product_state") + " WHERE product_id = ANY(" +
            id_array(before_ids) + ")");
    copy_product_states(db, table("product_state"), after);
    const bool membership_changed =
        !deleted.ids.empty() ||
        std::any_of(new_product_rows.begin(), new_product_rows.end(),
                    [&](std::int64_t id) { return !existing.contains(id); });
    if (membership_changed) {
      db.exec("DELETE FROM " + table("page_blocks") + "; " + page_blocks_sql(schema));
    }

    const std::vector<ProductChange> changes = diff_states(before, after);
    for (auto& [file, update] : files) {
      if (update.present) report.files.push_back(update.result.report);
    }
    if (products_update.present)
      report.files.insert(report.files.begin(), products_update.result.report);
    if (present(kDeletedFile)) report.files.push_back(deleted.result.report);
    for (const auto* part : {&products_update.result, &deleted.result}) {
      report.rejects.insert(report.rejects.end(), part->rejects.begin(), part->rejects.end());
    }
    for (auto& [file, update] : files) {
      report.rejects.insert(report.rejects.end(), update.result.rejects.begin(),
                            update.result.rejects.end());
    }
    report.publish = record_publish(db, report.dataset_version, "update", options.data_dir.string(),
                                    changes, true, count_lines(report.files));
    write_rejects(db, report.dataset_version, report.publish, report.rejects);
    db.exec("COMMIT");
    const ChangeCounts counts = count_changes(changes);
    report.changed = counts.changed;
    report.added = counts.added;
    report.deleted = counts.deleted;
  } catch (...) {
    db.rollback();
    throw;
  }
  report.apply_seconds = seconds_since(apply_start);
  report.seconds = seconds_since(start);
  return report;
}

std::string format_update_summary(const UpdateReport& report) {
  std::string out;
  char line[256];
  for (const auto& f : report.files) {
    std::snprintf(line, sizeof line, "%-14s %9lld rows %6lld rejected %6lld repaired\n",
                  f.file.c_str(), static_cast<long long>(f.rows),
                  static_cast<long long>(f.rejected), static_cast<long long>(f.repaired));
    out += line;
  }
  for (const auto& r : report.rejects) {
    std::snprintf(line, sizeof line, "  %s line %lld %s: %s\n", r.file.c_str(),
                  static_cast<long long>(r.line), r.repaired ? "repaired" : "rejected",
                  r.reason.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "update published as publish %lld on dataset version %lld: products changed=%lld "
                "added=%lld deleted=%lld\n",
                static_cast<long long>(report.publish),
                static_cast<long long>(report.dataset_version),
                static_cast<long long>(report.changed), static_cast<long long>(report.added),
                static_cast<long long>(report.deleted));
  out += line;
  std::snprintf(line, sizeof line, "seconds=%.2f (transaction %.2f)\n", report.seconds,
                report.apply_seconds);
  out += line;
  return out;
}

}  // namespace atelier::etl
