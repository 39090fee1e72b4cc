#include "config/config.hpp"

#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace atelier::config {

namespace {

template <typename Int>
bool parse_int(std::string_view text, Int min, Int max, Int& out) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

class Reader {
 public:
  explicit Reader(const Lookup& lookup) : lookup_(lookup) {}

  void text(const char* name, std::string& out) {
    if (const char* v = lookup_(name)) out = v;
  }

  template <typename Int>
  void integer(const char* name, Int min, Int max, Int& out) {
    const char* v = lookup_(name);
    if (v == nullptr || *v == '\0') return;
    if (!parse_int<Int>(v, min, max, out)) {
      errors_.push_back(std::string(name) + " must be a whole number from " + std::to_string(min) +
                        " to " + std::to_string(max) + ", got '" + v + "'");
    }
  }

  template <typename Duration>
  void duration(const char* name, std::int64_t min, std::int64_t max, Duration& out) {
    std::int64_t count = out.count();
    integer<std::int64_t>(name, min, max, count);
    out = Duration{count};
  }

  // A secret from the file the variable names: its first line (no trailing newline). Refused
  // when the file cannot be read, is empty, or is readable by group or others (mode 600 is the
  // rule for every secret, docs/SECURITY.md).
  void secret_file(const char* name, std::optional<std::string>& out) {
    const char* path = lookup_(name);
    if (path == nullptr || *path == '\0') return;
    struct stat info {};
    if (::stat(path, &info) != 0) {
      errors_.push_back(std::string(name) + ": cannot read " + path);
      return;
    }
    if ((info.st_mode & 077) != 0) {
      errors_.push_back(std::string(name) + ": " + path +
                        " is readable by group or others; make it mode 600");
      return;
    }
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) line.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      errors_.push_back(std::string(name) + ": " + path + " is empty or unreadable");
      return;
    }
    out = std::move(line);
  }

  void flag(const char* name, bool& out) {
    const char* v = lookup_(name);
    if (v == nullptr || *v == '\0') return;
    std::string_view s{v};
    if (s == "1" || s == "true" || s == "yes" || s == "on") {
      out = true;
    } else if (s == "0" || s == "false" || s == "no" || s == "off") {
      out = false;
    } else {
      errors_.push_back(std::string(name) + " must be 1/0, true/false, yes/no or on/off, got '" +
                        v + "'");
    }
  }

  std::vector<std::string> take_errors() { return std::move(errors_); }

 private:
  const Lookup& lookup_;
  std::vector<std::string> errors_;
};

}  // namespace

const std::vector<Variable>& variables() {
  static const std::vector<Variable> table = {
      {"ATELIER_BIND", "127.0.0.1", "Address the API host listens on (0.0.0.0 in containers)."},
      {"ATELIER_PORT", "8080", "TCP port of the API host."},
      {"ATELIER_UNIX_SOCKET", "(empty: TCP only)",
       "Also serve HTTP on this unix socket path, for an NGINX on the same machine (cheaper than "
       "loopback TCP). The TCP port stays open."},
      {"ATELIER_THREADS", "8",
       "Pistache worker threads. Handlers block on Redis/PostgreSQL, so more than the core count."},
      {"ATELIER_MAX_REQUEST_BYTES", "65536",
       "Largest accepted request (request line + headers + body); larger is 413. Above what "
       "NGINX forwards (32 KiB of head, 16 KiB of body)."},
      {"ATELIER_KEEPALIVE_TIMEOUT_S", "120",
       "Idle keep-alive connections are closed after this; keep it above NGINX's upstream "
       "keepalive_timeout."},
      {"ATELIER_CAMPUS", "hr-rfp", "Value of the `campus` field in product objects."},
      {"ATELIER_MAX_PAGE_COUNT", "5000", "Largest `count` accepted by GET /products (else 400)."},
      {"ATELIER_LOG_REQUESTS", "0", "1 logs one JSON line per request (off on the hot path)."},
      {"DATABASE_URL", "postgresql://atelier@127.0.0.1:5432/atelier",
       "PostgreSQL connection URL (libpq syntax)."},
      {"ATELIER_DB_CONNECT_TIMEOUT_MS", "2000", "PostgreSQL connect timeout."},
      {"ATELIER_DB_STATEMENT_TIMEOUT_MS", "2000",
       "Server-side statement timeout; a query past it is a 503 with Retry-After."},
      {"ATELIER_CHANGE_POLL_MS", "5000",
       "How often a host looks for catalog publishes it was not notified of (it LISTENs on "
       "atelier_catalog and applies each publish at once; the poll covers a lost connection)."},
      {"ATELIER_READ_DATABASE_URLS", "(empty: read from DATABASE_URL)",
       "Comma-separated PostgreSQL URLs of streaming replicas the catalog is read from, in order "
       "of preference; DATABASE_URL is always the last fall-back and stays the only URL of the "
       "cart (writes and reads, so a shopper reads their own writes)."},
      {"ATELIER_REPLICA_MAX_LAG_MS", "30000",
       "A replica whose replay is further behind than this is skipped (reads move to the next "
       "URL) until it catches up."},
      {"ATELIER_REPLICA_CHECK_MS", "1000",
       "How often a host checks each read URL (reachable, in recovery, replay lag)."},
      {"REDIS_URL", "(empty: no cache)",
       "Redis URL, redis://[:password@]host:port[/db], or "
       "redis-sentinel://[:password@]sentinel:port[,sentinel:port...][/db]#master to ask "
       "Sentinels for the master on every (re)connect (follows a failover without a restart)."},
      {"ATELIER_REDIS_READ_URL", "(empty: reads go to REDIS_URL)",
       "Redis node cache reads go to first, e.g. a replica near this host: "
       "redis://[:password@]host:port[/db], or redis-sentinel://...#master (same form as "
       "REDIS_URL) for a healthy replica of that master, asked of the Sentinels on every "
       "(re)connect. A miss there is asked of REDIS_URL before PostgreSQL; writes always go to "
       "REDIS_URL. While it fails, reads go to REDIS_URL, and return once it answers a GET."},
      {"ATELIER_REDIS_PASSWORD_FILE", "(empty: the URLs' own)",
       "File (mode 600) holding the password of REDIS_URL's and ATELIER_REDIS_READ_URL's user; "
       "the URLs then name only the user (redis://atelier_api:@host:port/db). Keeps the secret "
       "out of the environment and logs."},
      {"ATELIER_REDIS_SENTINEL_PASSWORD_FILE", "(empty: Sentinels asked without AUTH)",
       "File (mode 600) holding the Sentinels' own password (their requirepass). Every Sentinel "
       "is sent AUTH with it before it is asked for a node; one that refuses it is ignored."},
      {"ATELIER_REDIS_CONNECT_TIMEOUT_MS", "200", "Redis connect timeout."},
      {"ATELIER_REDIS_TIMEOUT_MS", "100", "Redis command timeout; slower answers count as errors."},
      {"ATELIER_PAGE_CACHE_TTL_S", "3600",
       "Time to live of cached list pages (GET /products): every publish that changes a product "
       "makes them obsolete. Product bodies have no TTL: they stay until their product changes."},
      {"ATELIER_CACHE_TTL_JITTER_PCT", "10",
       "Random +/- spread of the list pages' TTL so pages written together do not expire "
       "together."},
      {"ATELIER_LOCAL_CACHE_MB", "512",
       "Per-host in-process LRU of product JSON in front of Redis (0 = off). Entries never go "
       "stale: keys carry the product's revision, and a change drops the old one."},
      {"ATELIER_HOT_SET_INTERVAL_MS", "30000",
       "How often a host publishes the products of its in-process tier's most recently used "
       "bodies to Redis (atelier:hot-products, shared by the fleet; 0 = never)."},
      {"ATELIER_PREFILL_TIMEOUT_MS", "15000",
       "The longest a starting host, once its revisions are loaded (60 s at most), spends filling "
       "its in-process tier with the shared hot products' bodies from Redis before /readyz says "
       "ready and its unix socket opens (0 = no prefill)."},
      {"ATELIER_HOT_SET_PRODUCTS", "200000",
       "Products in the shared hot list (each brings three bodies)."},
      {"ATELIER_HOT_SET_NAME", "(empty: the fleet's list only)",
       "This host's place behind the balancer, e.g. host1; the host that replaces it in a rolling "
       "restart gets the same name. The host also publishes the bodies its own tier holds "
       "(atelier:hot-bodies:NAME, a third of the fleet's, as NGINX hashes each body's URI), and a "
       "start under this name prefills from that list first. Letters, digits, '.', '_' and '-', "
       "at most 64."},
      {"ATELIER_HOT_SET_FILE", "(empty: Redis only)",
       "A file the host also writes the hot list to, and reads it from at start when Redis has "
       "none (a restarted Redis keeps nothing)."},
      {"ATELIER_DB_WORKERS", "4",
       "Threads that run a host's database work (cart requests, cache misses), each with its own "
       "PostgreSQL connection. Request threads never wait on the database."},
      {"ATELIER_DB_QUEUE", "512",
       "Database jobs that may wait for a worker; past it a request is a 503 at once."},
      {"ATELIER_DB_DEADLINE_MS", "2500",
       "A request that needs the database is answered 503 with Retry-After when its work has not "
       "finished by then, even if the server stopped answering. Keep it above "
       "ATELIER_DB_STATEMENT_TIMEOUT_MS and below the balancer's read timeout (NGINX: 3 s), so "
       "clients get the host's 503 rather than the balancer's timeout."},
      {"ATELIER_READY_CHECK_MS", "1000",
       "How often a host checks its database in the background for /readyz (which runs no query "
       "itself)."},
      {"ATELIER_SESSION_SECRET_FILE", "(required by atelier-api)",
       "File (mode 600, at least 32 bytes) with the secret cart sessions are keyed with: the "
       "database holds only HMAC-SHA256(secret, session). Every host and atelier-etl share it."},
      {"ATELIER_SESSION_PREVIOUS_SECRET_FILE", "(empty)",
       "While rotating the session secret: the old one. Carts are found under either key and move "
       "to the new key on the session's next add (docs/SECURITY.md)."},
      {"ATELIER_CART_MAX_SKUS", "100", "Distinct skus one session's cart may hold; past it 409."},
      {"ATELIER_CART_MAX_UNITS", "10",
       "Units of one sku one session's cart may hold; past it 409."},
      {"ATELIER_CART_BATCH_MAX", "128",
       "Most cart adds one group commit writes in one statement (docs/CART.md). An add that finds "
       "no commit in flight is committed at once, alone; adds that arrive during a commit go "
       "together in the next, this many at most. 0 = no group commit: every add commits alone on "
       "its own database worker, as before it."},
      {"ATELIER_CART_COMMITTERS", "1",
       "Cart commits a host runs at once (group commit leaders, docs/CART.md): an add that finds "
       "fewer in flight commits at once; one that finds this many joins the next batch. Keep it "
       "below ATELIER_DB_WORKERS, so that a worker is free to queue adds while they commit."},
      {"ATELIER_DRAIN_DELAY_MS", "2000",
       "After SIGTERM: how long the host keeps accepting (with /readyz 503 and Connection: close "
       "on every answer) so balancers move away before it stops listening."},
      {"ATELIER_DRAIN_TIMEOUT_S", "20",
       "After it stops listening: how long it waits for requests in flight before it exits."},
      {"ATELIER_LOCAL_PAGE_CACHE_MB", "32",
       "Per-host in-process LRU of list pages (GET /products), apart from the product bodies' so "
       "pages never evict them (0 = pages are not kept in process)."},
      {"ATELIER_PAGE_CACHE_REDIS_MB", "64",
       "Bytes of list pages all hosts together store in Redis per list revision and page TTL; "
       "past it a page is answered but not stored, so pages never crowd product bodies out of "
       "Redis (0 = pages are not stored in Redis)."},
  };
  return table;
}

ParseResult parse(const Lookup& lookup) {
  ParseResult result;
  Config& c = result.config;
  Reader r{lookup};
  r.text("ATELIER_BIND", c.bind_address);
  r.integer<std::uint16_t>("ATELIER_PORT", 1, 65535, c.port);
  r.text("ATELIER_UNIX_SOCKET", c.unix_socket);
  // The kernel's limit for a socket path (sun_path holds it with its terminating NUL), less the
  // ".new-PID" (at most 12 bytes) of the name the host binds first and then renames to the path
  // (src/http/unix_listener.hpp), so that it can take a running host's path over.
  constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1 - 12;
  if (c.unix_socket.size() > kMaxSocketPath) {
    result.errors.push_back("ATELIER_UNIX_SOCKET must be at most " +
                            std::to_string(kMaxSocketPath) + " bytes (a unix socket path)");
  }
  r.integer<int>("ATELIER_THREADS", 1, 256, c.threads);
  r.integer<std::size_t>("ATELIER_MAX_REQUEST_BYTES", 1024, 16 * 1024 * 1024, c.max_request_bytes);
  r.duration("ATELIER_KEEPALIVE_TIMEOUT_S", 1, 86400, c.keepalive_timeout);
  r.text("ATELIER_CAMPUS", c.campus);
  r.integer<int>("ATELIER_MAX_PAGE_COUNT", 1, 100000, c.max_page_count);
  r.flag("ATELIER_LOG_REQUESTS", c.log_requests);
  r.text("DATABASE_URL", c.database_url);
  r.duration("ATELIER_DB_CONNECT_TIMEOUT_MS", 100, 600000, c.db_connect_timeout);
  r.duration("ATELIER_DB_STATEMENT_TIMEOUT_MS", 10, 600000, c.db_statement_timeout);
  r.duration("ATELIER_CHANGE_POLL_MS", 50, 600000, c.change_poll_interval);
  std::string read_urls;
  r.text("ATELIER_READ_DATABASE_URLS", read_urls);
  c.read_database_urls = split_list(read_urls);
  r.duration("ATELIER_REPLICA_MAX_LAG_MS", 0, 86400000, c.replica_max_lag);
  r.duration("ATELIER_REPLICA_CHECK_MS", 50, 600000, c.replica_check_interval);
  r.text("REDIS_URL", c.redis_url);
  r.text("ATELIER_REDIS_READ_URL", c.redis_read_url);
  r.secret_file("ATELIER_REDIS_PASSWORD_FILE", c.redis_password);
  r.secret_file("ATELIER_REDIS_SENTINEL_PASSWORD_FILE", c.redis_sentinel_password);
  r.duration("ATELIER_REDIS_CONNECT_TIMEOUT_MS", 1, 60000, c.redis_connect_timeout);
  r.duration("ATELIER_REDIS_TIMEOUT_MS", 1, 60000, c.redis_command_timeout);
  r.duration("ATELIER_PAGE_CACHE_TTL_S", 1, 30 * 86400, c.page_cache_ttl);
  r.integer<int>("ATELIER_CACHE_TTL_JITTER_PCT", 0, 50, c.cache_ttl_jitter_percent);
  r.integer<std::size_t>("ATELIER_LOCAL_CACHE_MB", 0, 65536, c.local_cache_mb);
  r.integer<int>("ATELIER_DB_WORKERS", 1, 256, c.db_workers);
  r.integer<int>("ATELIER_DB_QUEUE", 1, 1000000, c.db_queue);
  r.duration("ATELIER_DB_DEADLINE_MS", 50, 600000, c.db_deadline);
  r.duration("ATELIER_READY_CHECK_MS", 50, 600000, c.ready_check_interval);
  r.duration("ATELIER_HOT_SET_INTERVAL_MS", 0, 3600000, c.hot_set_interval);
  r.duration("ATELIER_PREFILL_TIMEOUT_MS", 0, 600000, c.prefill_timeout);
  r.integer<std::size_t>("ATELIER_HOT_SET_PRODUCTS", 1, 10000000, c.hot_set_products);
  r.text("ATELIER_HOT_SET_FILE", c.hot_set_file);
  r.text("ATELIER_HOT_SET_NAME", c.hot_set_name);
  if (c.hot_set_name.size() > 64 ||
      !std::all_of(c.hot_set_name.begin(), c.hot_set_name.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
      })) {
    result.errors.push_back(
        "ATELIER_HOT_SET_NAME must be at most 64 letters, digits, '.', '_' or '-'");
  }
  r.text("ATELIER_SESSION_SECRET_FILE", c.session_secret_file);
  r.text("ATELIER_SESSION_PREVIOUS_SECRET_FILE", c.session_previous_secret_file);
  r.integer<int>("ATELIER_CART_MAX_SKUS", 1, 100000, c.cart_max_skus);
  r.integer<int>("ATELIER_CART_MAX_UNITS", 1, 100000, c.cart_max_units);
  r.integer<int>("ATELIER_CART_BATCH_MAX", 0, 10000, c.cart_batch_max);
  r.integer<int>("ATELIER_CART_COMMITTERS", 1, 256, c.cart_committers);
  r.duration("ATELIER_DRAIN_DELAY_MS", 0, 600000, c.drain_delay);
  std::chrono::seconds drain_timeout_s{20};
  r.duration("ATELIER_DRAIN_TIMEOUT_S", 0, 3600, drain_timeout_s);
  c.drain_timeout = drain_timeout_s;
  r.integer<std::size_t>("ATELIER_LOCAL_PAGE_CACHE_MB", 0, 65536, c.local_page_cache_mb);
  r.integer<std::size_t>("ATELIER_PAGE_CACHE_REDIS_MB", 0, 65536, c.page_cache_redis_mb);
  if (c.database_url.empty()) result.errors.push_back("DATABASE_URL must not be empty");
  auto errors = r.take_errors();
  result.errors.insert(result.errors.end(), errors.begin(), errors.end());
  return result;
}

std::string help_text(std::string_view program, std::string_view summary) {
  std::ostringstream out;
  out << "Usage: " << program << " [--help] [--version]\n\n"
      << summary << "\n\nEnvironment variables:\n";
  for (const auto& v : variables()) {
    out << "  " << v.name << " (default: " << v.default_value << ")\n      " << v.description
        << "\n";
  }
  return out.str();
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

std::string postgres_conninfo(const Config& config, std::string_view application_name) {
  return postgres_conninfo(config, config.database_url, application_name);
}

std::string postgres_conninfo(const Config& config, std::string_view url_view,
                              std::string_view application_name) {
  // A URL and key=value pairs cannot be mixed in one libpq string, so URLs get the settings as
  // query parameters and key=value strings get them appended.
  const std::string url{url_view};
  const bool is_url = url.starts_with("postgresql://") || url.starts_with("postgres://");
  const auto connect_s = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config.db_connect_timeout).count());
  const std::string statement_ms = std::to_string(config.db_statement_timeout.count());
  std::string out = url;
  if (is_url) {
    out += url.find('?') == std::string::npos ? '?' : '&';
    out += "connect_timeout=" + std::to_string(connect_s);
    out += "&application_name=" + std::string(application_name);
    out += "&options=-c%20statement_timeout%3D" + statement_ms;
    out += "&keepalives=1&keepalives_idle=30&tcp_user_timeout=5000";
  } else {
    out += " connect_timeout=" + std::to_string(connect_s);
    out += " application_name=" + std::string(application_name);
    out += " options='-c statement_timeout=" + statement_ms + "'";
    out += " keepalives=1 keepalives_idle=30 tcp_user_timeout=5000";
  }
  return out;
}

}  // namespace atelier::config
