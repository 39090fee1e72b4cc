#include "warm/warmer.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
#include "cache/redis_options.hpp"
#include "catalog/batch_reader.hpp"
#include "catalog/database.hpp"
#include "catalog/publish_log.hpp"
#include "product_body/product_body.hpp"

namespace atelier::warm {

std::vector<WorkUnit> plan_units(const WarmOptions& o, std::int64_t lo, std::int64_t hi) {
  std::vector<WorkUnit> units;
  const std::int64_t batch = std::max<std::int64_t>(1, o.batch_size);
  if (!o.ids.empty()) {
    // At most a quarter of `batch` ids per unit: each is read by list (`= ANY`), so the span
    // between them costs nothing, while a list query costs more per id than a range.
    const std::int64_t per_unit = std::max<std::int64_t>(1, batch / 4);
    WorkUnit current;
    for (std::int64_t id : o.ids) {
      if (static_cast<std::int64_t>(current.only.size()) >= per_unit) {
        units.push_back(std::move(current));
        current = WorkUnit{};
      }
      if (current.only.empty()) current.lo = id;
      current.hi = id;
      current.only.push_back(id);
    }
    if (!current.only.empty()) units.push_back(std::move(current));
    return units;
  }
  for (std::int64_t start = lo; start <= hi; start += batch) {
    // start + batch - 1 would overflow near INT64_MAX: compare against hi first.
    const bool last = start > hi - (batch - 1);
    units.push_back({start, last ? hi : start + batch - 1, {}});
    if (last) break;
  }
  return units;
}

namespace {

// The three bodies a product page needs, each made by product_body::make_batch, and the option
// that asks for it.
struct BodyKind {
  cache::ProductBody body;
  bool WarmOptions::*enabled;
};
constexpr BodyKind kBodyKinds[] = {
    {cache::ProductBody::detail, &WarmOptions::product},
    {cache::ProductBody::styles, &WarmOptions::styles},
    {cache::ProductBody::related, &WarmOptions::related},
};

struct Shared {
  std::atomic<std::size_t> next_unit{0};
  std::atomic<std::int64_t> products{0};
  std::atomic<std::int64_t> keys{0};
  std::atomic<std::int64_t> bytes{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  std::vector<std::atomic<bool>> done;

  explicit Shared(std::size_t units) : done(units) {}

  void fail(std::string message) {
    std::lock_guard lock(error_mutex);
    if (!failed.exchange(true)) error = std::move(message);
  }
};

// Runs fn up to 3 times; returns false when every attempt failed (error left in `last`).
template <typename Fn>
bool with_retries(Fn&& fn, std::string& last) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (fn(last)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
  }
  return false;
}

void worker(const config::Config& config, const WarmOptions& options,
            const std::vector<WorkUnit>& units, Shared& shared, const std::atomic<bool>& stop,
            cache::Cache& cache) {
  catalog::BatchReader reader(
      std::make_shared<catalog::Database>(config::postgres_conninfo(config, "atelier-warm")));
  std::vector<cache::KeyedEntry> batch;
  while (!stop.load() && !shared.failed.load()) {
    const std::size_t index = shared.next_unit.fetch_add(1);
    if (index >= units.size()) return;
    const WorkUnit& unit = units[index];
    std::int64_t products = 0;
    std::string error;
    const bool read_ok = with_retries(
        [&](std::string& why) {
          batch.clear();
          products = 0;
          for (const BodyKind& kind : kBodyKinds) {
            if (!(options.*kind.enabled)) continue;
            // The same entries a host's miss makes (product_body.hpp).
            auto bodies = product_body::make_batch(reader, kind.body, {unit.lo, unit.hi, unit.only},
                                                   config.campus);
            if (!bodies.ok()) return why = "database: " + bodies.error().detail, false;
            for (auto& body : bodies.value()) batch.push_back(std::move(body.keyed));
            products = std::max(products, static_cast<std::int64_t>(bodies.value().size()));
          }
          return true;
        },
        error);
    if (!read_ok) {
      shared.fail(error);
      return;
    }
    if (!batch.empty()) {
      // Stored through the cache library, like a host's miss: same entry encoding, no TTL
      // (content-keyed entries stay until their product changes).
      const bool write_ok = with_retries(
          [&](std::string& why) {
            if (cache.put_many(batch, cache::kKeepForever) == batch.size()) return true;
            return why = "redis: could not store a batch", false;
          },
          error);
      if (!write_ok) {
        shared.fail(error);
        return;
      }
      std::int64_t bytes = 0;
      for (const auto& e : batch) bytes += static_cast<std::int64_t>(e.entry.body.size());
      shared.keys.fetch_add(static_cast<std::int64_t>(batch.size()));
      shared.bytes.fetch_add(bytes);
    }
    shared.products.fetch_add(products);
    shared.done[index].store(true);
  }
}

}  // namespace

std::optional<std::string> read_id_file(const std::string& path, std::vector<std::int64_t>& ids) {
  std::ifstream in(path);
  if (!in) return "cannot read " + path;
  std::string line;
  std::int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line[start] == '#') continue;
    std::int64_t id = 0;
    auto [ptr, ec] = std::from_chars(line.data() + start, line.data() + line.size(), id);
    if (ec != std::errc{} || ptr != line.data() + line.size() || id < 1) {
      return path + ":" + std::to_string(number) + ": not a product id: " + line;
    }
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return std::nullopt;
}

WarmReport warm_cache(const config::Config& config, const WarmOptions& options,
                      const std::function<void(const WarmProgress&)>& on_progress,
                      const std::atomic<bool>& stop) {
  const auto start = std::chrono::steady_clock::now();
  WarmReport report;
  auto redis_options = cache::parse_redis_url(config.redis_url);
  if (!redis_options) {
    report.error = "REDIS_URL is empty or invalid; expected redis://[:password@]host:port[/db]";
    return report;
  }
  redis_options = cache::with_secrets(std::move(*redis_options), config.redis_password,
                                      config.redis_sentinel_password);
  // Generous timeouts: this is a batch job, not a request path.
  redis_options->connect_timeout = std::chrono::milliseconds(2000);
  redis_options->command_timeout = std::chrono::milliseconds(10000);
  cache::CacheOptions cache_options;
  cache_options.redis = *redis_options;
  cache::Cache cache(cache_options);
  if (auto why = cache.ping()) {
    report.error = "Redis is not reachable: " + *why;
    return report;
  }
  const auto database =
      std::make_shared<catalog::Database>(config::postgres_conninfo(config, "atelier-warm"));
  catalog::PublishLogReader publish_log(database);
  catalog::BatchReader reader(database);
  WarmOptions plan = options;
  if (options.changed_only) {
    // The products the newest publish changed or added (deleted ones have nothing to warm).
    auto last = publish_log.last_publish_changes();
    if (!last.ok()) {
      report.error = "PostgreSQL: " + last.error().detail;
      return report;
    }
    report.publish = last.value().publish;
    if (last.value().listed) {
      plan.ids = std::move(last.value().ids);
      if (plan.ids.empty()) {
        report.ok = true;
        return report;
      }
    }
    // A publish too large to list (a first load) warms everything.
  }
  auto bounds = reader.bounds();
  if (!bounds.ok()) {
    report.error = "PostgreSQL: " + bounds.error().detail;
    return report;
  }
  const auto& b = bounds.value().value;
  report.dataset_version = bounds.value().version;
  std::int64_t lo = std::max(options.from_id, b.min_id);
  std::int64_t hi = std::min(options.to_id, b.max_id);
  if (options.last_percent) {
    const double span = static_cast<double>(b.max_id - b.min_id + 1);
    lo = std::max(lo,
                  b.max_id - static_cast<std::int64_t>(span * *options.last_percent / 100.0) + 1);
  }
  const auto units = plan_units(plan, lo, hi);
  std::int64_t total = 0;
  if (!plan.ids.empty()) {
    total = static_cast<std::int64_t>(plan.ids.size());
  } else if (hi >= lo && b.count > 0) {
    // Products per id in the catalog, so the ETA holds for sparse ids too.
    const double density =
        static_cast<double>(b.count) / static_cast<double>(b.max_id - b.min_id + 1);
    total = static_cast<std::int64_t>(static_cast<double>(hi - lo + 1) * density);
  }

  Shared shared(units.size());
  std::vector<std::thread> threads;
  const int workers = std::max(1, options.workers);
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back(worker, std::cref(config), std::cref(plan), std::cref(units),
                         std::ref(shared), std::cref(stop), std::ref(cache));
  }
  auto resume_point = [&] {
    std::size_t i = 0;
    while (i < units.size() && shared.done[i].load()) ++i;
    return i < units.size() ? units[i].lo : (units.empty() ? lo : units.back().hi + 1);
  };
  auto progress = [&] {
    WarmProgress p;
    p.products_done = shared.products.load();
    p.products_total = std::max(total, p.products_done);
    p.keys_written = shared.keys.load();
    p.bytes_written = shared.bytes.load();
    p.resume_from = resume_point();
    return p;
  };
  while (true) {
    if (shared.next_unit.load() >= units.size() + static_cast<std::size_t>(workers) ||
        shared.failed.load() || stop.load()) {
      break;
    }
    // Workers stop by themselves when the units run out; poll for it.
    std::size_t finished = 0;
    for (std::size_t i = 0; i < units.size(); ++i) finished += shared.done[i].load() ? 1 : 0;
    if (finished == units.size()) break;
    if (on_progress) on_progress(progress());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  for (auto& t : threads) t.join();
  if (on_progress) on_progress(progress());

  report.products = shared.products.load();
  report.keys_written = shared.keys.load();
  report.bytes_written = shared.bytes.load();
  report.resume_from = resume_point();
  report.interrupted = stop.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.redis_used_memory = cache.used_memory();
  if (shared.failed.load()) {
    report.error = shared.error;
    return report;
  }
  report.ok = !report.interrupted;
  if (report.interrupted) report.error = "interrupted";
  return report;
}

}  // namespace atelier::warm
