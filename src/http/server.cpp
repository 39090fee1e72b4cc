#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <signal.h>

#include <csignal>
#include <memory>

#include "http/api_handler.hpp"
#include "http/log.hpp"
#include "http/unix_listener.hpp"
#include "schema/migrations.hpp"
#include "version/version.hpp"

namespace atelier::http {

namespace {
constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
}  // namespace

int run_server(const config::Config& config) {
  // hiredis writes with plain write(2) (hiredis#1229): a Redis that went away must not kill us.
  std::signal(SIGPIPE, SIG_IGN);

  // Block the stop signals before any thread exists so every thread inherits the mask and the
  // main thread alone receives them through sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A schema newer than this binary knows was migrated by a newer release: serving it could
  // write rows that release does not expect. An unreachable database is not a reason to stop
  // (the host degrades and serves 503s until it is back); the check runs at start only.
  const auto schema_check = schema::check_schema(config.database_url);
  const bool refuse = schema_check.state == schema::CheckState::newer;
  log_event(
      refuse ? "error" : (schema_check.state == schema::CheckState::current ? "info" : "warn"),
      "schema_check",
      {{"state", std::string(schema::state_name(schema_check.state))},
       {"database_version", std::to_string(schema_check.database_version)},
       {"known_version", std::to_string(schema_check.known_version)},
       {"version", std::string(version::version())},
       {"message", schema_check.message}});
  if (refuse) return 3;

  auto service = std::make_shared<Service>(config);
  Pistache::Address address(config.bind_address, Pistache::Port(config.port));
  Pistache::Http::Endpoint endpoint(address);
  auto options = Pistache::Http::Endpoint::options()
                     .threads(config.threads)
                     .threadsName("atelier-http")
                     .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::NoDelay)
                     .maxRequestSize(config.max_request_bytes)
                     .maxResponseSize(kMaxResponseBytes)
                     .headerTimeout(std::chrono::seconds(10))
                     .bodyTimeout(std::chrono::seconds(10))
                     .keepaliveTimeout(config.keepalive_timeout);
  std::unique_ptr<UnixListener> unix_listener;
  try {
    endpoint.init(options);
    endpoint.setHandler(std::make_shared<ApiHandler>(service));
    endpoint.serveThreaded();
  } catch (const std::exception& e) {
    log_event("error", "listen_failed",
              {{"address", config.bind_address},
               {"port", std::to_string(config.port)},
               {"what", e.what()}});
    return 1;
  }
  if (!config.unix_socket.empty()) {
    try {
      auto handler = std::make_shared<ApiHandler>(service);
      handler->setMaxRequestSize(config.max_request_bytes);
      handler->setMaxResponseSize(kMaxResponseBytes);
      unix_listener = std::make_unique<UnixListener>(config.unix_socket, handler,
                                                     static_cast<std::size_t>(config.threads));
      unix_listener->start();
    } catch (const std::exception& e) {
      log_event("error", "listen_failed",
                {{"unix_socket", config.unix_socket}, {"what", e.what()}});
      endpoint.shutdown();
      return 1;
    }
  }
  log_event("info", "listening",
            {{"address", config.bind_address},
             {"port", std::to_string(config.port)},
             {"unix_socket", config.unix_socket},
             {"threads", std::to_string(config.threads)},
             {"cache", config.redis_url.empty() ? "disabled" : "enabled"}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log_event("info", "stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  unix_listener.reset();
  endpoint.shutdown();
  log_event("info", "stopped");
  return 0;
}

}  // namespace atelier::http
