#include "cache/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <utility>

namespace atelier::cache {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  // tv_usec must stay < 1'000'000 or hiredis rejects the timeout (LIBRARY-NOTES §3).
  const auto count = ms.count() < 0 ? 0 : ms.count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(count / 1000);
  tv.tv_usec = static_cast<suseconds_t>((count % 1000) * 1000);
  return tv;
}

bool is_timeout_errno(int saved_errno) {
  // SO_RCVTIMEO/SO_SNDTIMEO expiry surfaces as EAGAIN ("Resource temporarily unavailable",
  // LIBRARY-NOTES §3); an expired connect timeout as ETIMEDOUT.
  return saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
         saved_errno == EINPROGRESS;
}

RedisStatus server_error(const redisReply& reply) {
  return {RedisError::server, std::string(reply.str, reply.len)};
}

RedisStatus unexpected_reply(std::string_view command) {
  return {RedisError::server, "unexpected reply type to " + std::string(command)};
}

// Copies a status into a RedisResult<T> (which is-a RedisStatus) without touching its value.
void set_status(RedisStatus& target, RedisStatus source) {
  target = std::move(source);
}

// An integer reply (PTTL, UNLINK) into result.value; an error or another reply type into its
// status.
void read_integer(const redisReply& reply, std::string_view command,
                  RedisResult<std::int64_t>& result) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    result.value = reply.integer;
  } else if (reply.type == REDIS_REPLY_ERROR) {
    set_status(result, server_error(reply));
  } else {
    set_status(result, unexpected_reply(command));
  }
}

std::string format_ttl(std::chrono::milliseconds ttl) {
  // PX 0 is an error in Redis; a TTL that rounds to nothing still gets one millisecond.
  const auto ms = ttl.count() < 1 ? std::chrono::milliseconds::rep{1} : ttl.count();
  return std::to_string(ms);
}

// Views -> the (pointer, size_t length) arrays hiredis' *Argv functions take; binary-safe, and
// lengths are size_t as the API requires (LIBRARY-NOTES §3: never int).
struct ArgvArrays {
  std::vector<const char*> pointers;
  std::vector<std::size_t> sizes;

  explicit ArgvArrays(std::span<const std::string_view> args) {
    pointers.reserve(args.size());
    sizes.reserve(args.size());
    for (const std::string_view arg : args) {
      pointers.push_back(arg.data());
      sizes.push_back(arg.size());
    }
  }
  int count() const { return static_cast<int>(pointers.size()); }
};

// "ip" -> value in one replica's flat [field, value, field, value, ...] array of SENTINEL REPLICAS.
std::string_view field_of(const redisReply& replica, std::string_view name) {
  for (std::size_t i = 0; i + 1 < replica.elements; i += 2) {
    const redisReply& field = *replica.element[i];
    const redisReply& value = *replica.element[i + 1];
    if (field.type != REDIS_REPLY_STRING || value.type != REDIS_REPLY_STRING) continue;
    if (std::string_view(field.str, field.len) == name) return {value.str, value.len};
  }
  return {};
}

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || ptr != text.data() + text.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

}  // namespace

bool is_unready_replica(const RedisStatus& status) {
  return status.error == RedisError::server &&
         (status.message.starts_with("LOADING") || status.message.starts_with("MASTERDOWN"));
}

std::string_view to_string(RedisError error) {
  switch (error) {
    case RedisError::ok:
      return "ok";
    case RedisError::miss:
      return "miss";
    case RedisError::io:
      return "io";
    case RedisError::timeout:
      return "timeout";
    case RedisError::server:
      return "server";
    case RedisError::closed:
      return "closed";
  }
  return "unknown";
}

void RedisConnection::ContextFree::operator()(redisContext* context) const {
  redisFree(context);
}

void RedisConnection::ReplyFree::operator()(redisReply* reply) const {
  freeReplyObject(reply);  // frees nested elements too
}

RedisConnection::RedisConnection(RedisOptions options) : options_(std::move(options)) {}
RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&&) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&&) noexcept = default;

void RedisConnection::disconnect() {
  context_.reset();
}

RedisStatus RedisConnection::fail_context(std::string_view what, int saved_errno) {
  RedisStatus status;
  const redisContext* context = context_.get();
  std::string detail = context != nullptr && context->errstr[0] != '\0'
                           ? std::string(context->errstr)
                           : std::string("no detail");
  if (context != nullptr && context->err == REDIS_ERR_EOF) {
    status.error = RedisError::closed;
  } else if (context != nullptr && context->err == REDIS_ERR_IO && is_timeout_errno(saved_errno)) {
    status.error = RedisError::timeout;
  } else {
    status.error = RedisError::io;
  }
  status.message = std::string(what) + ": " + detail;
  // A hiredis context is dead after any error, and after a timeout a late reply would desync the
  // stream anyway (LIBRARY-NOTES §3): free it; the next call connects afresh.
  context_.reset();
  return status;
}

RedisConnection::ContextPtr RedisConnection::sentinel_connection(const RedisEndpoint& sentinel,
                                                                 std::string& failures) const {
  const std::string name = sentinel.host + ":" + std::to_string(sentinel.port);
  ContextPtr context(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port,
                                             to_timeval(options_.connect_timeout)));
  if (!context || context->err != 0) {
    failures += " " + name + " unreachable;";
    return nullptr;
  }
  if (redisSetTimeout(context.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    failures += " " + name + " timeout not set;";
    return nullptr;
  }
  if (!options_.sentinel_password) return context;
  const std::string_view args[] = {"AUTH", *options_.sentinel_password};
  ArgvArrays argv(args);
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(context.get(), argv.count(), argv.pointers.data(), argv.sizes.data())));
  if (!reply || reply->type != REDIS_REPLY_STATUS ||
      std::string_view(reply->str, reply->len) != "OK") {
    failures += " " + name + " refused the Sentinel password;";
    return nullptr;
  }
  return context;
}

RedisStatus RedisConnection::resolve_master() {
  std::string failures;
  for (const RedisEndpoint& sentinel : options_.sentinels) {
    ContextPtr context = sentinel_connection(sentinel, failures);
    if (!context) continue;
    const std::string_view args[] = {"SENTINEL", "get-master-addr-by-name",
                                     options_.sentinel_master};
    ArgvArrays argv(args);
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommandArgv(context.get(), argv.count(), argv.pointers.data(), argv.sizes.data())));
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
      failures += " " + sentinel.host + ":" + std::to_string(sentinel.port) + " gave no master;";
      continue;
    }
    const auto port = parse_port({reply->element[1]->str, reply->element[1]->len});
    if (!port) continue;
    options_.host.assign(reply->element[0]->str, reply->element[0]->len);
    options_.port = *port;
    return {};
  }
  return {RedisError::io,
          "no Sentinel named a master for " + options_.sentinel_master + ":" + failures};
}

RedisStatus RedisConnection::resolve_replica() {
  std::string failures;
  for (const RedisEndpoint& sentinel : options_.sentinels) {
    const std::string name = sentinel.host + ":" + std::to_string(sentinel.port);
    ContextPtr context = sentinel_connection(sentinel, failures);
    if (!context) continue;
    // SENTINEL REPLICAS (Redis 5+; the older SENTINEL SLAVES is the same command).
    const std::string_view args[] = {"SENTINEL", "replicas", options_.sentinel_master};
    ArgvArrays argv(args);
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommandArgv(context.get(), argv.count(), argv.pointers.data(), argv.sizes.data())));
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
      failures += " " + name + " gave no replica list;";
      continue;
    }
    for (std::size_t i = 0; i < reply->elements; ++i) {
      const redisReply& replica = *reply->element[i];
      if (replica.type != REDIS_REPLY_ARRAY) continue;
      // flags is "slave" alone for a healthy one; s_down, o_down or disconnected are added to it.
      const std::string_view flags = field_of(replica, "flags");
      if (flags.find("down") != std::string_view::npos ||
          flags.find("disconnected") != std::string_view::npos ||
          field_of(replica, "master-link-status") != "ok") {
        continue;
      }
      const auto port = parse_port(field_of(replica, "port"));
      const std::string_view ip = field_of(replica, "ip");
      if (!port || ip.empty()) continue;
      options_.host.assign(ip);
      options_.port = *port;
      return {};
    }
    failures += " " + name + " knows no healthy replica;";
  }
  return {RedisError::io,
          "no Sentinel named a healthy replica of " + options_.sentinel_master + ":" + failures};
}

RedisStatus RedisConnection::server_reply_error(const redisReply& reply) {
  const std::string_view text(reply.str, reply.len);
  if (!options_.sentinels.empty() && text.starts_with("READONLY")) {
    context_.reset();
    return {RedisError::closed, "master demoted: " + std::string(text)};
  }
  return server_error(reply);
}

RedisStatus RedisConnection::connect() {
  if (context_) return {};
  // Sentinel protocol for clients: ask a Sentinel for the master, connect, then check with ROLE
  // that the node really is a master (a failover may be under way).
  if (!options_.sentinels.empty()) {
    RedisStatus resolved = options_.sentinel_replica ? resolve_replica() : resolve_master();
    if (!resolved.ok()) return resolved;
  }
  context_.reset(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                         to_timeval(options_.connect_timeout)));
  const int saved_errno = errno;
  if (!context_) return {RedisError::io, "connect: out of memory"};
  if (context_->err != 0) return fail_context("connect", saved_errno);

  // redisConnectWithTimeout bounds only the connect; commands need SO_RCVTIMEO/SO_SNDTIMEO set
  // explicitly, on every new socket (LIBRARY-NOTES §3, hiredis#593).
  if (redisSetTimeout(context_.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    return fail_context("set command timeout", errno);
  }
  if (redisEnableKeepAlive(context_.get()) != REDIS_OK) {
    return fail_context("enable keepalive", errno);
  }

  auto handshake = [this](std::span<const std::string_view> args,
                          std::string_view what) -> RedisStatus {
    ReplyPtr reply;
    RedisStatus status = exchange(args, reply);
    if (!status.ok()) return status;
    if (reply->type == REDIS_REPLY_ERROR) {
      // A refused AUTH/SELECT leaves a socket we can't use: close it and report `closed`, so the
      // cache backs off like for any other outage instead of retrying every request.
      std::string message = std::string(what) + " refused: " + std::string(reply->str, reply->len);
      context_.reset();
      return {RedisError::closed, std::move(message)};
    }
    return {};
  };
  if (options_.password) {
    RedisStatus status;
    if (options_.username) {
      const std::string_view args[] = {"AUTH", *options_.username, *options_.password};
      status = handshake(args, "AUTH");
    } else {
      const std::string_view args[] = {"AUTH", *options_.password};
      status = handshake(args, "AUTH");
    }
    if (!status.ok()) return status;
  }
  if (options_.db != 0) {
    const std::string db = std::to_string(options_.db);
    const std::string_view args[] = {"SELECT", db};
    RedisStatus status = handshake(args, "SELECT");
    if (!status.ok()) return status;
  }
  if (!options_.sentinels.empty()) {
    ReplyPtr reply;
    const std::string_view args[] = {"ROLE"};
    RedisStatus status = exchange(args, reply);
    if (!status.ok()) return status;
    // ROLE says "master", or "slave" for a replica (Redis 7 still answers "slave" here).
    const std::string_view wanted = options_.sentinel_replica ? "slave" : "master";
    const bool as_named =
        reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        std::string_view(reply->element[0]->str, reply->element[0]->len) == wanted;
    if (!as_named) {
      context_.reset();
      return {RedisError::closed, options_.sentinel_replica
                                      ? "the node the Sentinels named is no longer a replica"
                                      : "the node the Sentinels named is not a master (yet)"};
    }
  }
  return {};
}

RedisStatus RedisConnection::exchange(std::span<const std::string_view> args, ReplyPtr& reply) {
  if (!context_) {
    RedisStatus status = connect();
    if (!status.ok()) return status;
  }
  ArgvArrays argv(args);
  errno = 0;
  reply.reset(static_cast<redisReply*>(
      redisCommandArgv(context_.get(), argv.count(), argv.pointers.data(), argv.sizes.data())));
  const int saved_errno = errno;
  if (!reply) return fail_context(args.empty() ? "command" : args.front(), saved_errno);
  return {};
}

RedisResult<std::string> RedisConnection::get(std::string_view key) {
  RedisResult<std::string> result;
  ReplyPtr reply;
  const std::string_view args[] = {"GET", key};
  set_status(result, exchange(args, reply));
  if (!result.ok()) return result;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      result.value.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_NIL:
      result.error = RedisError::miss;
      break;
    case REDIS_REPLY_ERROR:
      set_status(result, server_error(*reply));
      break;
    default:
      set_status(result, unexpected_reply("GET"));
      break;
  }
  return result;
}

RedisStatus RedisConnection::set(std::string_view key, std::string_view value,
                                 std::chrono::milliseconds ttl) {
  ReplyPtr reply;
  const std::string px = format_ttl(ttl);
  const std::string_view args[] = {"SET", key, value, "PX", px};
  // kNoExpiry: plain SET, the key lives until it is deleted (content-keyed entries).
  RedisStatus status = exchange(std::span(args, ttl == kNoExpiry ? 3 : 5), reply);
  if (!status.ok()) return status;
  if (reply->type == REDIS_REPLY_ERROR) return server_reply_error(*reply);
  return {};
}

RedisResult<std::vector<std::optional<std::string>>> RedisConnection::mget(
    std::span<const std::string> keys) {
  RedisResult<std::vector<std::optional<std::string>>> result;
  if (keys.empty()) return result;
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.emplace_back("MGET");
  args.insert(args.end(), keys.begin(), keys.end());
  ReplyPtr reply;
  set_status(result, exchange(args, reply));
  if (!result.ok()) return result;
  if (reply->type == REDIS_REPLY_ERROR) {
    set_status(result, server_error(*reply));
    return result;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != keys.size()) {
    set_status(result, unexpected_reply("MGET"));
    return result;
  }
  result.value.reserve(keys.size());
  for (std::size_t i = 0; i < reply->elements; ++i) {
    const redisReply* element = reply->element[i];
    if (element->type == REDIS_REPLY_STRING) {
      result.value.emplace_back(std::in_place, element->str, element->len);
    } else {
      result.value.emplace_back(std::nullopt);
    }
  }
  return result;
}

RedisResult<std::size_t> RedisConnection::set_many(std::span<const SetCommand> batch) {
  RedisResult<std::size_t> result;
  if (batch.empty()) return result;
  if (!context_) {
    set_status(result, connect());
    if (!result.ok()) return result;
  }
  // Pipelining (LIBRARY-NOTES §3): append everything (buffered only), then read the replies in
  // order. Every appended command must be drained, or the next command would read a stale reply.
  for (const SetCommand& command : batch) {
    const std::string px = format_ttl(command.ttl);
    const std::string_view args[] = {"SET", command.key, command.value, "PX", px};
    ArgvArrays argv(std::span(args, command.ttl == kNoExpiry ? 3 : 5));
    if (redisAppendCommandArgv(context_.get(), argv.count(), argv.pointers.data(),
                               argv.sizes.data()) != REDIS_OK) {
      set_status(result, fail_context("pipeline append", errno));
      return result;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    const int rc = redisGetReply(context_.get(), &raw);
    const int saved_errno = errno;
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (rc != REDIS_OK || !reply) {
      // The rest of the replies are lost with the context; the caller sees how many were stored.
      set_status(result, fail_context("pipeline read", saved_errno));
      return result;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      if (result.ok()) set_status(result, server_error(*reply));
      const std::string_view text(reply->str, reply->len);
      if (!options_.sentinels.empty() && text.starts_with("READONLY")) {
        // Drain the rest first (the context stays in step), then drop it: see server_reply_error.
        result.error = RedisError::closed;
      }
    } else {
      ++result.value;
    }
  }
  if (result.error == RedisError::closed) context_.reset();
  return result;
}

RedisStatus RedisConnection::ping() {
  ReplyPtr reply;
  const std::string_view args[] = {"PING"};
  RedisStatus status = exchange(args, reply);
  if (!status.ok()) return status;
  if (reply->type == REDIS_REPLY_ERROR) return server_error(*reply);
  return {};
}

RedisResult<std::string> RedisConnection::info(std::string_view section) {
  RedisResult<std::string> result;
  ReplyPtr reply;
  const std::string_view args[] = {"INFO", section};
  set_status(result, exchange(args, reply));
  if (!result.ok()) return result;
  if (reply->type == REDIS_REPLY_ERROR) {
    set_status(result, server_error(*reply));
  } else if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS) {
    set_status(result, unexpected_reply("INFO"));
  } else {
    result.value.assign(reply->str, reply->len);
  }
  return result;
}

RedisResult<std::int64_t> RedisConnection::used_memory() {
  RedisResult<std::int64_t> result;
  const RedisResult<std::string> text = info("memory");
  if (!text.ok()) {
    set_status(result, text);
    return result;
  }
  // "…\r\nused_memory:1234567\r\n…"; the leading "\n" keeps used_memory_rss etc. from matching.
  const std::string_view body = text.value;
  constexpr std::string_view field = "used_memory:";
  std::size_t at = body.starts_with(field) ? 0 : body.find("\nused_memory:");
  if (at == std::string_view::npos) {
    set_status(result, {RedisError::server, "INFO memory has no used_memory"});
    return result;
  }
  at = body.find(':', at) + 1;
  const auto [ptr, ec] = std::from_chars(body.data() + at, body.data() + body.size(), result.value);
  (void)ptr;
  if (ec != std::errc{}) {
    set_status(result, {RedisError::server, "INFO used_memory is not a number"});
  }
  return result;
}

RedisResult<std::int64_t> RedisConnection::add_to_budget(std::string_view key, std::int64_t amount,
                                                         std::chrono::milliseconds ttl) {
  RedisResult<std::int64_t> result;
  ReplyPtr reply;
  const std::string by = std::to_string(amount);
  const std::string_view args[] = {"INCRBY", key, by};
  set_status(result, exchange(args, reply));
  if (result.ok()) read_integer(*reply, "INCRBY", result);
  if (!result.ok() || result.value != amount) return result;
  // The first spend of this budget: it lasts as long as what it pays for (a crash between the
  // two commands leaves a counter without expiry, which a new list revision's key replaces).
  const std::string ms = std::to_string(std::max<std::int64_t>(1, ttl.count()));
  const std::string_view expire[] = {"PEXPIRE", key, ms};
  ReplyPtr expired;
  RedisResult<std::int64_t> set_expiry;
  set_status(set_expiry, exchange(expire, expired));
  if (set_expiry.ok()) read_integer(*expired, "PEXPIRE", set_expiry);
  if (!set_expiry.ok()) set_status(result, {set_expiry.error, set_expiry.message});
  return result;
}

RedisResult<std::int64_t> RedisConnection::pttl(std::string_view key) {
  RedisResult<std::int64_t> result;
  ReplyPtr reply;
  const std::string_view args[] = {"PTTL", key};
  set_status(result, exchange(args, reply));
  if (result.ok()) read_integer(*reply, "PTTL", result);
  return result;
}

RedisResult<std::int64_t> RedisConnection::unlink(std::span<const std::string> keys) {
  RedisResult<std::int64_t> result;
  if (keys.empty()) return result;
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.emplace_back("UNLINK");
  args.insert(args.end(), keys.begin(), keys.end());
  ReplyPtr reply;
  set_status(result, exchange(args, reply));
  if (result.ok()) read_integer(*reply, "UNLINK", result);
  return result;
}

RedisResult<std::int64_t> RedisConnection::unlink_matching(std::string_view pattern) {
  RedisResult<std::int64_t> result;
  std::string cursor = "0";
  do {
    ReplyPtr reply;
    // SCAN instead of KEYS: KEYS blocks the single-threaded server for the whole keyspace.
    const std::string_view args[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
    set_status(result, exchange(args, reply));
    if (!result.ok()) return result;
    if (reply->type == REDIS_REPLY_ERROR) {
      set_status(result, server_error(*reply));
      return result;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
      set_status(result, unexpected_reply("SCAN"));
      return result;
    }
    cursor.assign(reply->element[0]->str, reply->element[0]->len);
    const redisReply& found = *reply->element[1];
    std::vector<std::string> keys;
    keys.reserve(found.elements);
    for (std::size_t i = 0; i < found.elements; ++i) {
      keys.emplace_back(found.element[i]->str, found.element[i]->len);
    }
    const auto removed = unlink(keys);
    if (!removed.ok()) {
      set_status(result, removed);
      return result;
    }
    result.value += removed.value;
  } while (cursor != "0");
  return result;
}

}  // namespace atelier::cache
