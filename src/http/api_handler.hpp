// The Pistache shell around Service: converts Pistache requests to RequestView and Reply to bytes.
// It also replaces Pistache 0.0.5's input loop so that (a) parse errors and oversize requests get
// JSON error bodies (CONTRACT §3) instead of Pistache's plain text, (b) HTTP/1.1 requests without
// a Connection header are answered keep-alive instead of Pistache's `Connection: Close` that it
// never enforces (LIBRARY-NOTES §1.1), and (c) replies are written straight to the socket:
// Pistache's ResponseWriter sends every response through a per-worker queue + eventfd and builds
// the head from shared_ptr header objects through an ostream, about twice NGINX's syscalls per
// request (LIBRARY-NOTES §1.3), and (d) a request NGINX would refuse (control or non-ASCII bytes in
// the target, HTTP/1.1 without Host) is refused here too, on the TCP port and the unix socket
// alike. Pistache still accepts, polls, reads and parses.
#pragma once

#include <pistache/http.h>

#include <memory>
#include <mutex>
#include <unordered_set>

#include "http/service.hpp"

namespace atelier::http {

// What a connection shares with the database workers that answer its deferred requests: a worker
// writes to the socket only under `mutex` and only while `closed` is false. onDisconnection sets
// `closed` under the same mutex BEFORE Pistache closes the descriptor, so a late answer can never
// reach another connection that reused the number.
struct Link {
  std::mutex mutex;
  int fd = -1;
  bool closed = false;
  bool busy = false;     // a request was read and is not answered yet
  bool refused = false;  // a refusal was sent with Connection: close; later input is dropped
  // A reply ever had to go through Pistache's write queue: every later one does too, in order.
  bool replies_queued = false;
  std::weak_ptr<Pistache::Tcp::Peer> peer;
};

// Every open connection of a host (both listeners): the drain closes the idle ones and waits for
// the busy ones.
class Links {
 public:
  void add(const std::shared_ptr<Link>& link);
  void remove(const std::shared_ptr<Link>& link);
  // Shuts down every connection with no request in it; returns how many.
  std::size_t close_idle();
  // Connections with a request not yet answered.
  std::size_t busy() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::shared_ptr<Link>> links_;
};

class ApiHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)

  ApiHandler(std::shared_ptr<Service> service, std::shared_ptr<Links> links)
      : service_(std::move(service)), links_(std::move(links)) {}

  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;
  void onTimeout(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;

 private:
  // The answer to one parsed request: a reply now, or database work (Service::handle). Never
  // throws: failures become JSON error replies.
  Outcome answer(const Pistache::Http::Request& request) noexcept;

  std::shared_ptr<Service> service_;
  std::shared_ptr<Links> links_;
};

}  // namespace atelier::http
