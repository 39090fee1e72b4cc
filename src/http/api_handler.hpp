// The Pistache shell around Service: converts Pistache requests to RequestView and Reply to bytes.
// It also replaces Pistache 0.0.5's input loop so that (a) parse errors and oversize requests get
// JSON error bodies (CONTRACT §3) instead of Pistache's plain text, (b) HTTP/1.1 requests without
// a Connection header are answered keep-alive instead of Pistache's `Connection: Close` that it
// never enforces (STACK-NOTES §0.1), and (c) replies are written straight to the socket: Pistache's
// ResponseWriter sends every response through a per-worker queue + eventfd and builds the head
// from shared_ptr header objects through an ostream, about twice NGINX's syscalls per request
// (STACK-NOTES §1.3), and (d) a request NGINX would refuse (control or non-ASCII bytes in the
// target, HTTP/1.1 without Host) is refused here too, on the TCP port and the unix socket alike.
// Pistache still accepts, polls, reads and parses.
#pragma once

#include <pistache/http.h>

#include <memory>

#include "http/service.hpp"

namespace atelier::http {

class ApiHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)

  explicit ApiHandler(std::shared_ptr<Service> service) : service_(std::move(service)) {}

  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;
  void onTimeout(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;

 private:
  // The reply to one parsed request. Never throws: failures become JSON error replies.
  Reply answer(const Pistache::Http::Request& request) noexcept;

  std::shared_ptr<Service> service_;
};

}  // namespace atelier::http
