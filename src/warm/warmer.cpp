#include "warm/warmer.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "cache/cache.hpp"
#include "cache/cache_key.hpp"
#include "cache/entry.hpp"
#include "cache/redis_connection.hpp"
#include "catalog/reader.hpp"
#include "json/serialize.hpp"

namespace atelier::warm {

namespace {

struct WorkUnit {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::vector<std::int64_t> only;  // empty = every product in [lo, hi]
};

std::vector<WorkUnit> plan_units(const WarmOptions& o, std::int64_t lo, std::int64_t hi) {
  std::vector<WorkUnit> units;
  const std::int64_t batch = std::max<std::int64_t>(1, o.batch_size);
  if (!o.ids.empty()) {
    WorkUnit current;
    for (std::int64_t id : o.ids) {
      if (!current.only.empty() && id - current.lo >= batch) {
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
    units.push_back({start, std::min(hi, start + batch - 1), {}});
    if (start > INT64_MAX - batch) break;
  }
  return units;
}

bool wanted(const WorkUnit& unit, std::int64_t id) {
  return unit.only.empty() || std::binary_search(unit.only.begin(), unit.only.end(), id);
}

class Batch {
 public:
  explicit Batch(const config::Config& config) : config_(config), rng_(std::random_device{}()) {}

  void add(std::string key, const std::string& body) {
    cache::Entry entry{200, json::etag_for(body), body};
    keys_.push_back(std::move(key));
    values_.push_back(cache::encode_entry(entry));
  }

  std::size_t size() const { return keys_.size(); }

  std::int64_t bytes() const {
    std::int64_t total = 0;
    for (const auto& v : values_) total += static_cast<std::int64_t>(v.size());
    return total;
  }

  std::vector<cache::SetCommand> commands() {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double jitter = config_.cache_ttl_jitter_percent / 100.0;
    const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(config_.cache_ttl);
    std::vector<cache::SetCommand> out;
    out.reserve(keys_.size());
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      out.push_back({keys_[i], values_[i], cache::jittered_ttl(ttl, jitter, unit(rng_))});
    }
    return out;
  }

  void clear() {
    keys_.clear();
    values_.clear();
  }

 private:
  const config::Config& config_;
  std::mt19937_64 rng_;
  std::vector<std::string> keys_;
  std::vector<std::string> values_;
};

struct Shared {
  std::atomic<std::size_t> next_unit{0};
  std::atomic<std::int64_t> products{0};
  std::atomic<std::int64_t> keys{0};
  std::atomic<std::int64_t> bytes{0};
  std::atomic<std::int64_t> version{0};
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
            const cache::RedisOptions& redis_options) {
  catalog::CatalogReader reader(config::postgres_conninfo(config, "atelier-warm"));
  cache::RedisConnection redis(redis_options);
  Batch batch(config);
  while (!stop.load() && !shared.failed.load()) {
    const std::size_t index = shared.next_unit.fetch_add(1);
    if (index >= units.size()) return;
    const WorkUnit& unit = units[index];
    batch.clear();
    std::int64_t products = 0;
    std::string error;
    const bool read_ok = with_retries(
        [&](std::string& why) {
          batch.clear();
          products = 0;
          if (options.product) {
            auto r = reader.product_details_between(unit.lo, unit.hi);
            if (!r.ok()) return why = "database: " + r.error().detail, false;
            shared.version.store(r.value().version);
            for (const auto& d : r.value().value) {
              if (!wanted(unit, d.product.id)) continue;
              ++products;
              batch.add(cache::CacheKey::product(r.value().version, d.product.id),
                        json::write_product_detail(d, config.campus));
            }
          }
          if (options.styles) {
            auto r = reader.product_styles_between(unit.lo, unit.hi);
            if (!r.ok()) return why = "database: " + r.error().detail, false;
            shared.version.store(r.value().version);
            std::int64_t n = 0;
            for (const auto& s : r.value().value) {
              if (!wanted(unit, s.product_id)) continue;
              ++n;
              batch.add(cache::CacheKey::styles(r.value().version, s.product_id),
                        json::write_styles(s));
            }
            products = std::max(products, n);
          }
          if (options.related) {
            auto r = reader.related_between(unit.lo, unit.hi);
            if (!r.ok()) return why = "database: " + r.error().detail, false;
            shared.version.store(r.value().version);
            std::int64_t n = 0;
            for (const auto& [id, related] : r.value().value) {
              if (!wanted(unit, id)) continue;
              ++n;
              batch.add(cache::CacheKey::related(r.value().version, id),
                        json::write_related(related));
            }
            products = std::max(products, n);
          }
          return true;
        },
        error);
    if (!read_ok) {
      shared.fail(error);
      return;
    }
    if (batch.size() > 0) {
      auto commands = batch.commands();
      const bool write_ok = with_retries(
          [&](std::string& why) {
            auto result = redis.set_many(commands);
            if (!result.ok()) return why = "redis: " + result.message, false;
            return true;
          },
          error);
      if (!write_ok) {
        shared.fail(error);
        return;
      }
      shared.keys.fetch_add(static_cast<std::int64_t>(batch.size()));
      shared.bytes.fetch_add(batch.bytes());
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
  // Generous timeouts: this is a batch job, not a request path.
  redis_options->connect_timeout = std::chrono::milliseconds(2000);
  redis_options->command_timeout = std::chrono::milliseconds(10000);
  {
    cache::RedisConnection probe(*redis_options);
    if (auto s = probe.ping(); !s.ok()) {
      report.error = "Redis is not reachable: " + s.message;
      return report;
    }
  }
  catalog::CatalogReader reader(config::postgres_conninfo(config, "atelier-warm"));
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
  const auto units = plan_units(options, lo, hi);
  std::int64_t total = 0;
  if (!options.ids.empty()) {
    total = static_cast<std::int64_t>(options.ids.size());
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
    threads.emplace_back(worker, std::cref(config), std::cref(options), std::cref(units),
                         std::ref(shared), std::cref(stop), std::cref(*redis_options));
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
    bool all_done = true;
    for (const auto& t : threads) all_done = all_done && !t.joinable();
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
    (void)all_done;
  }
  for (auto& t : threads) t.join();
  if (on_progress) on_progress(progress());

  report.products = shared.products.load();
  report.keys_written = shared.keys.load();
  report.bytes_written = shared.bytes.load();
  report.resume_from = resume_point();
  report.interrupted = stop.load();
  if (shared.version.load() != 0) report.dataset_version = shared.version.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    cache::RedisConnection probe(*redis_options);
    if (auto mem = probe.used_memory(); mem.ok()) report.redis_used_memory = mem.value;
  }
  if (shared.failed.load()) {
    report.error = shared.error;
    return report;
  }
  report.ok = !report.interrupted;
  if (report.interrupted) report.error = "interrupted";
  return report;
}

}  // namespace atelier::warm
