#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <signal.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>

#include "http/api_handler.hpp"
#include "http/log.hpp"
#include "http/unix_listener.hpp"
#include "schema/migrations.hpp"
#include "session/session_key.hpp"
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

  if (config.session_secret_file.empty()) {
    log_event("error", "session_secret_missing",
              {{"hint",
                "set ATELIER_SESSION_SECRET_FILE to a mode-600 file of at least 32 bytes shared "
                "by every host (docs/SECURITY.md)"}});
    return 2;
  }
  auto keyer = session::load_keyer(config.session_secret_file, config.session_previous_secret_file);
  if (!keyer.keyer) {
    log_event("error", "session_secret_invalid", {{"what", keyer.error}});
    return 2;
  }
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

  auto service = std::make_shared<Service>(config, std::move(keyer.keyer));
  auto links = std::make_shared<Links>();
  Pistache::Address address(config.bind_address, Pistache::Port(config.port));
  Pistache::Http::Endpoint endpoint(address);
  auto options = Pistache::Http::Endpoint::options()
                     .threads(config.threads)
                     .threadsName("atelier-http")
                     // ReusePort: the host that replaces this one (scripts/rolling-restart)
                     // binds the same port while this one still serves and drains.
                     .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::ReusePort |
                            Pistache::Tcp::Options::NoDelay)
                     .maxRequestSize(config.max_request_bytes)
                     .maxResponseSize(kMaxResponseBytes)
                     .headerTimeout(std::chrono::seconds(10))
                     .bodyTimeout(std::chrono::seconds(10))
                     .keepaliveTimeout(config.keepalive_timeout);
  std::unique_ptr<UnixListener> unix_listener;
  int pending_signal = 0;  // a stop signal taken while waiting for the prefill
  try {
    endpoint.init(options);
    endpoint.setHandler(std::make_shared<ApiHandler>(service, links));
    endpoint.serveThreaded();
  } catch (const std::exception& e) {
    log_event("error", "listen_failed",
              {{"address", config.bind_address},
               {"port", std::to_string(config.port)},
               {"what", e.what()}});
    return 1;
  }
  if (!config.unix_socket.empty()) {
    // NGINX reaches the host by this socket: it opens once the in-process tier holds the hot
    // products (cache/hot_set.hpp; ATELIER_PREFILL_TIMEOUT_MS after its revisions at most), so no
    // request meets a cold host. The TCP port above answers the probes meanwhile, and a stop
    // signal ends the wait (the host then drains as below, having never opened the socket).
    const auto give_up =
        std::chrono::steady_clock::now() + config.prefill_timeout + std::chrono::seconds(1);
    while (!service->wait_prefilled(std::chrono::milliseconds(100)) &&
           std::chrono::steady_clock::now() < give_up) {
      const timespec now{};
      siginfo_t info{};
      if (const int s = sigtimedwait(&stop_signals, &info, &now); s > 0) {
        pending_signal = s;
        break;
      }
    }
  }
  if (!config.unix_socket.empty() && pending_signal == 0) {
    try {
      auto handler = std::make_shared<ApiHandler>(service, links);
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
             {"unix_socket", unix_listener ? config.unix_socket : std::string()},
             {"threads", std::to_string(config.threads)},
             {"cache", config.redis_url.empty() ? "disabled" : "enabled"}});

  int signal_number = pending_signal;
  if (signal_number == 0) sigwait(&stop_signals, &signal_number);
  const auto stop_start = std::chrono::steady_clock::now();
  log_event("info", "draining", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // The drain (README "Stopping a host"; docs/OPERATIONS.md): /readyz says 503 and every answer
  // says Connection: close from now on; idle keep-alive connections are closed, so NGINX opens
  // new ones (to the other hosts once this one stops listening).
  service->start_draining();
  std::size_t closed = links->close_idle();
  // Keep serving (each answer closes its connection) while balancers and probes notice.
  timespec delay{};
  delay.tv_sec = static_cast<time_t>(config.drain_delay.count() / 1000);
  delay.tv_nsec = static_cast<long>((config.drain_delay.count() % 1000) * 1000000);
  siginfo_t info{};
  // A second signal ends the wait early.
  sigtimedwait(&stop_signals, &info, &delay);
  closed += links->close_idle();
  // Requests in flight finish: database work and answers still owed on connections.
  const auto drain_end = std::chrono::steady_clock::now() + config.drain_timeout;
  bool idle = service->wait_idle(config.drain_timeout);
  while (links->busy() > 0 && std::chrono::steady_clock::now() < drain_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  idle = idle && links->busy() == 0;
  unix_listener.reset();
  endpoint.shutdown();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_start).count();
  log_event(idle ? "info" : "warn", "stopped",
            {{"drained", idle ? "true" : "false"},
             {"idle_connections_closed", std::to_string(closed)},
             {"seconds", std::to_string(seconds)}});
  return 0;
}

}  // namespace atelier::http
