#include "etl/loader.hpp"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "etl/cart_sessions.hpp"
#include "etl/catalog_files.hpp"
#include "etl/copy_text.hpp"
#include "etl/csv_line.hpp"
#include "etl/file_stream.hpp"
#include "etl/line_file.hpp"
#include "etl/pg_session.hpp"
#include "etl/publish.hpp"
#include "etl/revision.hpp"
#include "etl/schema_sql.hpp"
#include "schema/migrations.hpp"

namespace atelier::etl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Serialises progress output of several threads.
class ProgressLog {
 public:
  explicit ProgressLog(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  void write(std::string_view text) {
    std::lock_guard lock(mutex_);
    sink_(text);
  }

 private:
  std::mutex mutex_;
  std::function<void(std::string_view)> sink_;
};

struct TableJob {
  const FileSpec* spec = nullptr;
  std::filesystem::path path;
  ParentIds parents;
  ProductStamp stamp;      // products only
  ProductDigests digests;  // the file's rows per product (every table but products)
  FileProgress progress;
  std::optional<StreamResult> result;
  IdSet accepted;  // kept for skus (cart rows must name a loaded sku)
};

// One table: CREATE TABLE + COPY FREEZE + keys + ANALYZE in one transaction. Creating the table
// in the COPY's transaction is what lets a wal_level=minimal server skip WAL for the data and the
// index builds, and what makes FREEZE legal (rows are written frozen: no hint-bit rewrite later).
void load_table(PgSession& session, TableJob& job, const std::string& schema,
                const std::string& loaded_at, const std::atomic<bool>& cancel) {
  const FileSpec& spec = *job.spec;
  const std::string table = schema + "." + std::string(spec.table);
  const auto start = Clock::now();
  job.progress.phase = 1;
  session.exec("BEGIN");
  try {
    session.exec(create_table_sql(spec.table, schema, loaded_at));
    session.begin_copy("COPY " + table + " (" + std::string(spec.copy_columns) +
                       ") FROM STDIN WITH (FREEZE)");
    RowEncoder encoder(spec.file, job.parents, job.stamp);
    try {
      StreamHooks hooks;
      hooks.sink = [&](std::string_view data) { session.put_copy(data); };
      hooks.progress = &job.progress;
      hooks.cancel = &cancel;
      if (spec.file != CatalogFile::products) hooks.digests = &job.digests;
      job.result = stream_file(spec, job.path, encoder, hooks);
    } catch (...) {
      session.abort_copy("atelier-etl stopped the load");
      throw;
    }
    session.end_copy();
    job.result->report.copy_seconds = seconds_since(start);
    const auto index_start = Clock::now();
    job.progress.phase = 2;
    session.exec(index_sql(spec.table, schema));
    session.exec("ANALYZE " + table);
    session.exec("COMMIT");
    job.result->report.index_seconds = seconds_since(index_start);
    job.accepted = std::move(encoder.accepted_ids());
  } catch (...) {
    session.rollback();  // the connection may be gone; the load fails anyway
    throw;
  }
  job.progress.phase = 3;
}

// product_state (COPY of the stamped states) and page_blocks (from the products table), in one
// transaction that creates them, like every dataset table.
void load_product_state(PgSession& session, const std::string& schema, const std::string& loaded_at,
                        const std::vector<ProductState>& states) {
  session.exec("BEGIN");
  try {
    session.exec(create_table_sql("product_state", schema, loaded_at));
    copy_product_states(session, schema + ".product_state", states);
    session.exec(index_sql("product_state", schema));
    session.exec(create_table_sql("page_blocks", schema, loaded_at));
    session.exec(page_blocks_sql(schema));
    session.exec(index_sql("page_blocks", schema));
    session.exec("ANALYZE " + schema + ".product_state; ANALYZE " + schema + ".page_blocks");
    session.exec("COMMIT");
  } catch (...) {
    session.rollback();
    throw;
  }
}

std::string describe_eta(double seconds) {
  if (seconds < 0 || seconds > 1e6) return "?";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%dm%02ds", static_cast<int>(seconds) / 60,
                static_cast<int>(seconds) % 60);
  return buffer;
}

// The live status line: rows/s overall and an ETA from bytes read vs total bytes.
std::string live_line(const std::vector<std::unique_ptr<TableJob>>& jobs, double elapsed) {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::int64_t rows = 0;
  std::string active;
  for (const auto& job : jobs) {
    total += std::filesystem::file_size(job->path);
    done += job->progress.bytes.load(std::memory_order_relaxed);
    rows += job->progress.rows.load(std::memory_order_relaxed);
    const int phase = job->progress.phase.load();
    if (phase == 1 || phase == 2) {
      // Appended piece by piece: GCC 12 gives a false -Wrestrict on " " + std::string once this
      // is inlined (GCC bug 105329).
      active += ' ';
      active += job->spec->file_name;
      if (phase == 2) active += "(indexing)";
    }
  }
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1;
  const double eta = fraction > 0.01 ? elapsed / fraction - elapsed : -1;
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "\r\x1b[K[%3.0f%%] %lld rows, %.0f rows/s, ETA %s |%s",
                fraction * 100, static_cast<long long>(rows),
                elapsed > 0 ? static_cast<double>(rows) / elapsed : 0.0, describe_eta(eta).c_str(),
                active.c_str());
  return buffer;
}

// Runs `queue` on the sessions (one worker thread each), printing progress; rethrows the first
// failure after every worker stopped.
void run_table_jobs(const std::vector<TableJob*>& queue, std::vector<PgSession>& sessions,
                    const std::string& schema, const std::string& loaded_at,
                    std::atomic<bool>& cancel, ProgressStyle progress,
                    const std::vector<std::unique_ptr<TableJob>>& all_jobs, ProgressLog& log,
                    Clock::time_point start) {
  const bool lines = progress == ProgressStyle::lines;
  const int worker_count = static_cast<int>(std::min(sessions.size(), queue.size()));
  std::atomic<std::size_t> next_job{0};
  std::atomic<int> running{worker_count};
  std::mutex done_mutex;
  std::condition_variable done_cv;
  std::exception_ptr first_error;
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < worker_count; ++w) {
      workers.emplace_back([&, w] {
        try {
          for (std::size_t i; (i = next_job.fetch_add(1)) < queue.size();) {
            load_table(sessions[static_cast<std::size_t>(w)], *queue[i], schema, loaded_at, cancel);
            if (lines) log.write(format_file_line(queue[i]->result->report) + "\n");
          }
        } catch (...) {
          std::lock_guard lock(done_mutex);
          if (!first_error) first_error = std::current_exception();
          cancel = true;
        }
        std::lock_guard lock(done_mutex);
        --running;
        done_cv.notify_all();
      });
    }
    std::unique_lock lock(done_mutex);
    while (running > 0) {
      done_cv.wait_for(lock, std::chrono::milliseconds(500));
      if (progress == ProgressStyle::live) log.write(live_line(all_jobs, seconds_since(start)));
    }
  }
  if (progress == ProgressStyle::live) log.write("\n");
  if (first_error) std::rethrow_exception(first_error);
}

// cart.csv -> atelier.cart. Rows carry their cart.csv id as source_id; ON CONFLICT DO NOTHING
// makes reloads idempotent and never touches carts posted through the API (source_id NULL).
StreamResult load_cart(PgSession& session, const std::filesystem::path& path, const IdSet& skus,
                       const session::SessionKeyer* keyer) {
  session.exec("BEGIN");
  try {
    session.exec(
        "CREATE TEMP TABLE cart_source (source_id int8, session text, sku_id int8, active bool) "
        "ON COMMIT DROP");
    session.begin_copy("COPY cart_source (" + std::string(spec_of(CatalogFile::cart).copy_columns) +
                       ") FROM STDIN");
    RowEncoder encoder(CatalogFile::cart, ParentIds{nullptr, nullptr, &skus});
    const auto start = Clock::now();
    StreamResult result;
    try {
      StreamHooks hooks;
      hooks.sink = [&](std::string_view data) { session.put_copy(data); };
      result = stream_file(spec_of(CatalogFile::cart), path, encoder, hooks);
    } catch (...) {
      session.abort_copy("atelier-etl stopped the load");
      throw;
    }
    session.end_copy();
    // Legacy sessions are stored keyed like every other (etl/cart_sessions.hpp): they stay in
    // the data but name no secret anyone holds.
    fill_session_keys(session, "cart_source", keyer);
    session.exec(
        "INSERT INTO atelier.cart (session_key, sku_id, active, source_id) "
        "SELECT k.session_key, s.sku_id, s.active, s.source_id FROM cart_source s "
        "JOIN session_keys k ON k.session = s.session "
        "ON CONFLICT (source_id) DO NOTHING");
    session.exec("COMMIT");
    result.report.copy_seconds = seconds_since(start);
    return result;
  } catch (...) {
    session.rollback();  // the connection may be gone; the load fails anyway
    throw;
  }
}

std::string counts_json(const LoadReport& report) {
  std::string json = "{";
  for (const auto& f : report.files) {
    if (json.size() > 1) json += ",";
    json += "\"" + f.file + "\":" + std::to_string(f.rows);
  }
  return json + "}";
}

// ONE transaction: every catalog view and catalog.dataset now name the new schema, the new row is
// active, the previous active one retired. API statements see either the old or the new dataset,
// never a mix (ARCHITECTURE "Database layout").
//
// Lock order: every API statement that reads more than one catalog view names catalog.dataset
// first (src/catalog/queries.hpp), so it locks that view before the others. The publish therefore
// replaces catalog.dataset FIRST: a reader either holds it already (the publish waits for that one
// statement) or queues behind it holding nothing. Replacing it last deadlocked under load (the
// reader held dataset and waited for products, the publish the other way round; scripts/chaos
// reload, 2026-11-25).
void publish(PgSession& session, const LoadReport& report, const std::string& source_dir,
             const std::vector<ProductChange>& changes, bool changes_listed) {
  const std::string& schema = report.schema;
  const std::string version = std::to_string(report.version);
  std::string sql = "BEGIN;\n";
  sql += "CREATE OR REPLACE VIEW catalog.dataset AS SELECT " + version + "::int8 AS version;\n";
  // DROP + CREATE rather than CREATE OR REPLACE: a dataset may have other columns than the one
  // before it (products lost rank and gained revision), which OR REPLACE refuses. Still one
  // transaction, so readers see the old views or the new ones.
  std::vector<std::string> tables;
  for (const auto& spec : catalog_files()) {
    if (spec.file != CatalogFile::cart) tables.emplace_back(spec.table);
  }
  tables.emplace_back("page_blocks");
  for (const auto& table : tables) {
    sql += "DROP VIEW IF EXISTS catalog." + table + ";\nCREATE VIEW catalog." + table +
           " AS SELECT * FROM " + schema + "." + table + ";\n";
  }
  // The API role reads the catalog only through these views (which run with the loader's rights
  // on the dataset tables) and may read and add cart rows; nothing else (security issue).
  sql +=
      "DO $grants$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atelier_api') THEN "
      "GRANT USAGE ON SCHEMA catalog, atelier TO atelier_api; "
      "GRANT SELECT ON ALL TABLES IN SCHEMA catalog TO atelier_api; "
      "GRANT SELECT ON atelier.cart TO atelier_api; "
      "REVOKE INSERT ON atelier.cart FROM atelier_api; "
      "GRANT EXECUTE ON FUNCTION atelier.cart_add(text, text, int8, text, int, int), "
      "atelier.cart_add_many(text[], text[], int8[], text[], int[], int[]), "
      "atelier.cart_forget_requests() TO atelier_api; "
      "END IF; END $grants$;\n";
  sql += "UPDATE atelier.datasets SET state = 'retired' WHERE state = 'active';\n";
  std::int64_t rejected = 0;
  std::int64_t repaired = 0;
  for (const auto& f : report.files) {
    rejected += f.rejected;
    repaired += f.repaired;
  }
  sql +=
      "UPDATE atelier.datasets SET state = 'active', activated_at = now(), finished_at = now(), "
      "row_counts = " +
      session.literal(counts_json(report)) + "::jsonb, rejected = " + std::to_string(rejected) +
      ", repaired = " + std::to_string(repaired) + " WHERE version = " + version + ";\n";
  // A deadlock with some other session (an operator's query that locks the views in another
  // order) only cancels this transaction: it is tried again rather than failing the whole load.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    try {
      session.exec(sql);
      record_publish(session, report.version, "load", source_dir, changes, changes_listed,
                     count_lines(report.files));
      session.exec("COMMIT");
      return;
    } catch (const DatabaseError& e) {
      session.rollback();
      if (e.sqlstate() != "40P01" || attempt == kAttempts) throw;
    }
  }
}

// Drops datasets beyond the `keep` most recent published ones. The previous dataset is kept by
// default so API statements that started before the switch finish undisturbed.
std::vector<std::int64_t> drop_old_datasets(PgSession& session, int keep) {
  std::vector<std::int64_t> dropped;
  const auto rows = session.query_rows(
      "SELECT version, schema_name FROM atelier.datasets WHERE state IN ('active', 'retired') "
      "ORDER BY version DESC OFFSET " +
      std::to_string(std::max(keep, 1)));
  for (const auto& row : rows) {
    const auto tab = row.find('\t');
    const std::string version = row.substr(0, tab);
    const std::string schema = row.substr(tab + 1);
    session.exec("BEGIN; DROP SCHEMA IF EXISTS " + schema + " CASCADE; " +
                 "UPDATE atelier.datasets SET state = 'dropped' WHERE version = " + version +
                 "; DELETE FROM atelier.rejects WHERE version = " + version + "; COMMIT;");
    dropped.push_back(std::stoll(version));
  }
  return dropped;
}

// A load that died without cleaning up (killed process) leaves a 'loading' row and a schema.
// We hold the load lock, so no such row belongs to a running load.
void clean_interrupted_loads(PgSession& session) {
  const auto rows = session.query_rows(
      "SELECT version, schema_name FROM atelier.datasets WHERE state = 'loading'");
  for (const auto& row : rows) {
    const auto tab = row.find('\t');
    session.exec("BEGIN; DROP SCHEMA IF EXISTS " + row.substr(tab + 1) +
                 " CASCADE; UPDATE atelier.datasets SET state = 'failed', finished_at = now(), "
                 "error = 'interrupted' WHERE version = " +
                 row.substr(0, tab) + "; COMMIT;");
  }
}

}  // namespace

void check_catalog_dir(const std::filesystem::path& dir) {
  std::string problems;
  if (!std::filesystem::is_directory(dir)) {
    throw LoadError("catalog directory " + dir.string() + " does not exist");
  }
  for (const auto& spec : catalog_files()) {
    const auto path = dir / spec.file_name;
    if (!std::filesystem::is_regular_file(path)) {
      problems += "\n  " + std::string(spec.file_name) + ": missing";
      continue;
    }
    LineFile file(path);
    std::string_view line;
    if (!file.next(line)) {
      problems += "\n  " + std::string(spec.file_name) + ": empty (no header line)";
    } else if (strip_bom(line) != spec.header) {
      problems += "\n  " + std::string(spec.file_name) + ": header is \"" +
                  excerpt_of(strip_line_end(line), 200) + "\", expected \"" +
                  std::string(spec.header) + "\"";
    }
  }
  if (!problems.empty()) {
    throw LoadError("catalog directory " + dir.string() + " cannot be loaded:" + problems);
  }
}

LoadReport load_catalog(const LoadOptions& options) {
  const auto start = Clock::now();
  ProgressLog log(options.log ? options.log : [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  });
  const bool lines = options.progress == ProgressStyle::lines;
  check_catalog_dir(options.data_dir);

  PgSession control(options.database_url);
  if (!lock_catalog(control, options.lock_wait)) {
    throw LoadError("another atelier-etl load or update is running on this database");
  }
  // The permanent tables at this release's version (sql/migrations; applied once each).
  schema::migrate(options.database_url, [&](std::string_view line) { log.write(line); });
  key_raw_cart_sessions(control, options.session_keyer.get());
  clean_interrupted_loads(control);

  LoadReport report;
  report.version = std::stoll(control.query_value("SELECT nextval('atelier.dataset_version_seq')"));
  report.schema = "atelier_v" + std::to_string(report.version);
  const std::string version = std::to_string(report.version);
  control.exec("BEGIN; INSERT INTO atelier.datasets (version, schema_name, source_dir) VALUES (" +
               version + ", " + control.literal(report.schema) + ", " +
               control.literal(options.data_dir.string()) + "); CREATE SCHEMA " + report.schema +
               "; COMMIT;");
  if (lines) log.write("dataset version=" + version + " schema=" + report.schema + "\n");

  try {
    // Parents first, in memory: a pre-scan with the same rules as the load gives the ids of the
    // products and styles that WILL be loaded (and each style's product, which photos and skus
    // rows carry), so every table can then load concurrently.
    const auto prescan_start = Clock::now();
    RowEncoder product_scan(CatalogFile::products, {});
    stream_file(spec_of(CatalogFile::products), options.data_dir / "product.csv", product_scan, {});
    const IdSet& products = product_scan.accepted_ids();
    RowEncoder style_scan(CatalogFile::styles, ParentIds{&products, nullptr, nullptr});
    stream_file(spec_of(CatalogFile::styles), options.data_dir / "styles.csv", style_scan, {});
    const IdMap& styles = style_scan.style_products();
    if (lines) {
      char buffer[160];
      std::snprintf(buffer, sizeof buffer, "prescan products=%zu styles=%zu seconds=%.1f\n",
                    products.size(), styles.size(), seconds_since(prescan_start));
      log.write(buffer);
    }

    // What the active dataset says of each product (digests, timestamps, revision): a product
    // whose content digest is unchanged keeps its timestamps and revision, so its cache entries
    // and ETags survive this load.
    const std::string previous_schema =
        control.query_value("SELECT schema_name FROM atelier.datasets WHERE state = 'active'");
    const std::vector<ProductState> previous = previous_schema.empty()
                                                   ? std::vector<ProductState>{}
                                                   : read_product_states(control, previous_schema);

    std::vector<std::unique_ptr<TableJob>> jobs;
    TableJob* product_job = nullptr;
    for (const auto& spec : catalog_files()) {
      if (spec.file == CatalogFile::cart) continue;
      auto job = std::make_unique<TableJob>();
      job->spec = &spec;
      job->path = options.data_dir / spec.file_name;
      job->parents = ParentIds{&products, &styles, nullptr};
      if (spec.file == CatalogFile::products) product_job = job.get();
      jobs.push_back(std::move(job));
    }
    // Products go last, alone: a product row's timestamps and revision need the digests of its
    // rows in every other file. Largest files first so the two workers finish close together.
    std::vector<TableJob*> queue;
    for (auto& job : jobs) {
      if (job.get() != product_job) queue.push_back(job.get());
    }
    std::stable_sort(queue.begin(), queue.end(), [](const TableJob* a, const TableJob* b) {
      return std::filesystem::file_size(a->path) > std::filesystem::file_size(b->path);
    });

    const int worker_count = std::max(1, options.workers);
    std::vector<PgSession> sessions;
    for (int i = 0; i < worker_count; ++i) {
      sessions.emplace_back(options.database_url);
      // High maintenance_work_mem: each index build sorts in memory instead of spilling.
      sessions.back().exec("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off");
    }

    std::atomic<bool> cancel{false};
    // One time for the whole load: the tables' defaults and the new products' timestamps.
    const std::int64_t now_ms = now_epoch_ms();
    const std::string loaded_at = copy_timestamp(now_ms);
    run_table_jobs(queue, sessions, report.schema, loaded_at, cancel, options.progress, jobs, log,
                   start);

    // The products table, stamped: digests of all six files -> timestamps and revision.
    const auto digests_of = [&jobs](CatalogFile file) -> const ProductDigests& {
      for (const auto& job : jobs) {
        if (job->spec->file == file) return job->digests;
      }
      throw std::logic_error("no job for a digest file");
    };
    const std::array<const ProductDigests*, kDigestFiles> file_digests{
        nullptr,
        &digests_of(CatalogFile::features),
        &digests_of(CatalogFile::styles),
        &digests_of(CatalogFile::photos),
        &digests_of(CatalogFile::skus),
        &digests_of(CatalogFile::related)};
    std::vector<ProductState> states;
    states.reserve(products.size());
    product_job->stamp = [&](std::int64_t id, std::uint64_t row_hash, std::string& out) {
      ProductState state;
      state.id = id;
      state.digests[0] = row_hash;
      for (std::size_t f = 1; f < kDigestFiles; ++f) state.digests[f] = file_digests[f]->get(id);
      const auto prev = std::lower_bound(
          previous.begin(), previous.end(), id,
          [](const ProductState& s, std::int64_t wanted) { return s.id < wanted; });
      stamp(state, prev != previous.end() && prev->id == id ? &*prev : nullptr, now_ms);
      out.push_back('\t');
      out.append(copy_timestamp(state.created_ms));
      out.push_back('\t');
      out.append(copy_timestamp(state.updated_ms));
      out.push_back('\t');
      append_copy_int(out, static_cast<std::int64_t>(state.revision));
      states.push_back(state);
    };
    std::vector<TableJob*> last{product_job};
    run_table_jobs(last, sessions, report.schema, loaded_at, cancel, options.progress, jobs, log,
                   start);
    std::sort(states.begin(), states.end(),
              [](const ProductState& a, const ProductState& b) { return a.id < b.id; });
    load_product_state(sessions.front(), report.schema, loaded_at, states);
    const std::vector<ProductChange> changes = diff_states(previous, states);
    const ChangeCounts counts = count_changes(changes);
    report.changed = counts.changed;
    report.added = counts.added;
    report.deleted = counts.deleted;

    const TableJob* sku_job = nullptr;
    for (auto& job : jobs) {
      report.files.push_back(job->result->report);
      report.rejects.insert(report.rejects.end(), job->result->rejects.begin(),
                            job->result->rejects.end());
      if (job->spec->file == CatalogFile::skus) sku_job = job.get();
    }
    StreamResult cart = load_cart(control, options.data_dir / "cart.csv", sku_job->accepted,
                                  options.session_keyer.get());
    if (lines) log.write(format_file_line(cart.report) + "\n");
    report.files.push_back(cart.report);
    report.rejects.insert(report.rejects.end(), cart.rejects.begin(), cart.rejects.end());

    std::stable_sort(report.rejects.begin(), report.rejects.end(),
                     [](const RejectRecord& a, const RejectRecord& b) {
                       return a.file != b.file ? a.file < b.file : a.line < b.line;
                     });
    control.exec("BEGIN");
    write_rejects(control, report.version, 0, report.rejects);
    control.exec("COMMIT");
    // A first load (nothing to compare with) is not listed: hosts read every revision.
    publish(control, report, options.data_dir.string(), changes, !previous.empty());
  } catch (const std::exception& error) {
    // Nothing was published: the served dataset is untouched. Record why and free the space.
    control.rollback();  // the connection may be gone; the load fails anyway
    try {
      control.exec("BEGIN; DROP SCHEMA IF EXISTS " + report.schema +
                   " CASCADE; UPDATE atelier.datasets SET state = 'failed', finished_at = now(), "
                   "error = " +
                   control.literal(error.what()) + " WHERE version = " + version + "; COMMIT;");
    } catch (const std::exception&) {
    }
    throw;
  }

  report.dropped_versions = drop_old_datasets(control, options.keep);
  report.database_bytes =
      std::stoll(control.query_value("SELECT pg_database_size(current_database())"));
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace atelier::etl
