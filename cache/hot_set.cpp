#include "cache/hot_set.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_set>

#include "cache/cache_key.hpp"
#include "cache/read_through.hpp"

namespace atelier::cache {

std::string encode_hot_products(std::span<const std::int64_t> ids) {
  std::string text;
  text.reserve(ids.size() * 8);
  char digits[24];
  for (std::int64_t id : ids) {
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id);
    (void)ec;  // 24 bytes always fit an int64
    text.append(digits, end);
    text.push_back('\n');
  }
  return text;
}

namespace {

// The next line of `text` (without its '\n'), taken off the front of `text`.
std::string_view take_line(std::string_view& text) {
  const std::size_t end = std::min(text.find('\n'), text.size());
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(std::min(end + 1, text.size()));
  return line;
}

}  // namespace

std::vector<std::int64_t> decode_hot_products(std::string_view text, std::size_t limit) {
  std::vector<std::int64_t> ids;
  while (!text.empty() && ids.size() < limit) {
    const std::string_view line = take_line(text);
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    if (ec == std::errc{} && ptr == line.data() + line.size() && id > 0) ids.push_back(id);
  }
  return ids;
}

std::vector<std::int64_t> products_of_keys(std::span<const std::string> keys) {
  std::vector<std::int64_t> ids;
  std::unordered_set<std::int64_t> seen;
  ids.reserve(keys.size() / 3 + 1);
  seen.reserve(keys.size() / 3 + 1);
  for (const std::string& key : keys) {
    if (auto id = CacheKey::body_product(key); id && seen.insert(*id).second) ids.push_back(*id);
  }
  return ids;
}

std::string encode_hot_bodies(std::span<const BodyRef> bodies) {
  std::string text;
  text.reserve(bodies.size() * 16);
  char digits[24];
  for (const BodyRef& ref : bodies) {
    text.append(CacheKey::body_name(ref.body));
    text.push_back(':');
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ref.id);
    (void)ec;  // 24 bytes always fit an int64
    text.append(digits, end);
    text.push_back('\n');
  }
  return text;
}

std::vector<BodyRef> decode_hot_bodies(std::string_view text, std::size_t limit) {
  std::vector<BodyRef> bodies;
  while (!text.empty() && bodies.size() < limit) {
    const std::string_view line = take_line(text);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto body = CacheKey::body_named(line.substr(0, colon));
    const std::string_view number = line.substr(colon + 1);
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
    if (body && ec == std::errc{} && ptr == number.data() + number.size() && id > 0) {
      bodies.push_back({*body, id});
    }
  }
  return bodies;
}

std::vector<BodyRef> bodies_of_keys(std::span<const std::string> keys) {
  std::vector<BodyRef> bodies;
  // The products seen, per body: two revisions of one body are one body.
  std::array<std::unordered_set<std::int64_t>, std::size(kProductBodies)> seen;
  bodies.reserve(keys.size());
  for (const std::string& key : keys) {
    const auto ref = CacheKey::body_of(key);
    if (ref && seen[static_cast<std::size_t>(ref->body)].insert(ref->id).second) {
      bodies.push_back(*ref);
    }
  }
  return bodies;
}

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// Written beside the target and renamed over it: a reader sees the old list or the new one.
bool write_file(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out.write(text.data(), static_cast<std::streamsize>(text.size())).flush()) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace

HotSet::HotSet(ReadThrough& tiers, HotSetOptions options)
    : tiers_(tiers), options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

HotSet::~HotSet() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  prefilled_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PrefillReport HotSet::prefill_report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

bool HotSet::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [&] { return stopping_; });
}

void HotSet::run() {
  // Nothing to fill from without Redis, nothing to fill without an in-process tier.
  const bool fill = options_.prefill_timeout.count() > 0 && tiers_.local_capacity() > 0 &&
                    tiers_.state() != CacheState::disabled;
  if (fill) {
    // The list names products; their keys need the current revisions.
    const auto give_up = std::chrono::steady_clock::now() + options_.revisions_timeout;
    while (options_.revisions_ready && !options_.revisions_ready() &&
           std::chrono::steady_clock::now() < give_up) {
      if (!wait(std::chrono::milliseconds(20))) return;
    }
    PrefillReport report;
    if (!options_.revisions_ready || options_.revisions_ready()) {
      report = prefill(std::chrono::steady_clock::now() + options_.prefill_timeout);
    }
    {
      std::lock_guard lock(mutex_);
      report_ = report;
    }
    if (options_.log) {
      options_.log("hot_set_prefilled", "products=" + std::to_string(report.products_listed) +
                                            " bodies=" + std::to_string(report.bodies_listed) +
                                            " entries=" + std::to_string(report.entries_loaded) +
                                            " seconds=" + std::to_string(report.seconds) +
                                            " complete=" + (report.complete ? "true" : "false") +
                                            " source=" +
                                            (report.own         ? "own"
                                             : report.from_file ? "file"
                                                                : "redis"));
    }
  }
  {
    std::lock_guard lock(mutex_);  // wait_prefilled reads it under the lock: no lost wake-up
    prefilled_.store(true, std::memory_order_release);
  }
  prefilled_cv_.notify_all();
  if (options_.publish_interval.count() <= 0) return;
  while (wait(options_.publish_interval)) publish();
}

bool HotSet::wait_prefilled(std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return prefilled_cv_.wait_for(lock, limit, [&] { return prefilled() || stopping_; }) &&
         prefilled();
}

PrefillReport HotSet::prefill(std::chrono::steady_clock::time_point deadline) {
  PrefillReport report;
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](bool complete) {
    report.complete = complete;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  };
  // Stop short of the capacity: a prefill that evicts its own entries has gone too far.
  const std::size_t room = tiers_.local_capacity() / 10 * 9;
  std::vector<std::string> keys;
  keys.reserve(options_.keys_per_read + 3);
  auto flush = [&] {
    if (keys.empty()) return true;
    const std::size_t found = tiers_.preload(keys);
    report.entries_loaded += found;
    keys.clear();
    return found > 0 || tiers_.state() == CacheState::up;
  };
  // After each key: false when the prefill must end here (stopped, full, out of time, Redis).
  auto next = [&]() -> bool {
    if (keys.size() < options_.keys_per_read) return true;
    if (!flush()) return false;
    if (tiers_.local_bytes() >= room || std::chrono::steady_clock::now() >= deadline) return false;
    std::lock_guard lock(mutex_);
    return !stopping_;
  };
  if (!options_.own_list_key.empty()) {
    if (auto own = tiers_.get_shared(options_.own_list_key); own && own->status == 200) {
      // This host's place's own share (the host it replaces wrote it): only these bodies.
      const std::vector<BodyRef> bodies = decode_hot_bodies(own->body, options_.max_products * 3);
      report.own = true;
      report.bodies_listed = bodies.size();
      for (const BodyRef& ref : bodies) {
        const std::uint64_t revision = options_.revision_of ? options_.revision_of(ref.id) : 0;
        if (revision == 0) continue;  // deleted since the list was written
        keys.push_back(CacheKey::body(ref.body, ref.id, revision));
        if (!next()) return finish(false);
      }
      return finish(flush());
    }
  }
  std::optional<std::string> text;
  if (auto list = tiers_.get_shared(options_.list_key); list && list->status == 200) {
    text = std::move(list->body);
  } else if (!options_.list_file.empty() && (text = read_file(options_.list_file))) {
    report.from_file = true;
  }
  if (!text) return finish(true);  // nothing shared yet
  const std::vector<std::int64_t> ids = decode_hot_products(*text, options_.max_products);
  report.products_listed = ids.size();
  for (std::int64_t id : ids) {
    const std::uint64_t revision = options_.revision_of ? options_.revision_of(id) : 0;
    if (revision == 0) continue;  // deleted since the list was written
    for (ProductBody body : kProductBodies) keys.push_back(CacheKey::body(body, id, revision));
    if (!next()) return finish(false);
  }
  return finish(flush());
}

std::size_t HotSet::publish() {
  // Three bodies per product: this many keys cover max_products products.
  const std::vector<std::string> recent = tiers_.recent_keys(options_.max_products * 3);
  std::vector<std::int64_t> ids = products_of_keys(recent);
  if (ids.empty()) return 0;
  if (!options_.own_list_key.empty()) {
    // What this host was asked for, not what a prefill put there: a prefill from the fleet's list
    // brings other hosts' bodies too, which NGINX never sends here. Nothing asked for yet (a
    // start without traffic) leaves the list its predecessor wrote.
    const std::vector<BodyRef> own =
        bodies_of_keys(tiers_.recent_keys(options_.max_products * 3, true));
    if (!own.empty()) {
      Entry list;
      list.status = 200;
      list.body = encode_hot_bodies(own);
      tiers_.put_shared(options_.own_list_key, list, options_.list_ttl);
    }
  }
  // NGINX hashes product URIs over the hosts, so each one serves a share of the hot products:
  // the list is the union of every host's, this host's own first, then what the list held.
  if (const auto current = tiers_.get_shared(options_.list_key);
      current && current->status == 200) {
    std::unordered_set<std::int64_t> seen(ids.begin(), ids.end());
    for (std::int64_t id : decode_hot_products(current->body, options_.max_products)) {
      if (ids.size() >= options_.max_products) break;
      if (seen.insert(id).second) ids.push_back(id);
    }
  }
  if (ids.size() > options_.max_products) ids.resize(options_.max_products);
  Entry list;
  list.status = 200;
  list.body = encode_hot_products(ids);
  if (!options_.list_file.empty() && !write_file(options_.list_file, list.body) && options_.log) {
    options_.log("hot_set_file_not_written", options_.list_file);
  }
  tiers_.put_shared(options_.list_key, list, options_.list_ttl);
  return tiers_.state() == CacheState::up ? ids.size() : 0;
}

}  // namespace atelier::cache
