// A second way into a host: HTTP over a unix stream socket, for an NGINX on the same machine.
//
// Loopback TCP costs the kernel a full TCP send and receive path per message; on this 2-core box
// it is most of what an NGINX->host hop costs (docs/BENCHMARKS.md). Pistache 0.0.5's listener
// only binds TCP, so this class owns the unix socket and its accept loop and hands every accepted
// connection to Pistache transports running on their own reactor: the same ApiHandler, parser and
// direct write as the TCP side. The TCP port stays: health checks, tests and remote NGINX use it.
//
// What the TCP side has and this one does not: Pistache's header/body/keep-alive timers (they live
// in Http::Endpoint's transport). The socket is meant for NGINX alone, which bounds its own
// upstream timeouts and closes idle upstream connections after keepalive_timeout.
#pragma once

#include <pistache/http.h>
#include <pistache/reactor.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace atelier::http {

class UnixListener {
 public:
  // Binds and listens at a temporary name beside `path`; start() renames it over `path`, replacing
  // a socket there (a killed host's, or the running host this one replaces); any other file there
  // is an error. Throws std::system_error / std::invalid_argument with a readable message.
  UnixListener(std::string path, const std::shared_ptr<Pistache::Http::Handler>& handler,
               std::size_t threads);
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;
  // Stops accepting, closes every connection, joins the threads and removes the socket file,
  // unless another listener has taken its path over since.
  ~UnixListener();

  // Starts the worker threads and the accept thread, then puts the socket at `path`.
  void start();

  // True while the file at `path` is this listener's socket (false once another took it over).
  bool owns_path() const;

  const std::string& path() const { return path_; }

 private:
  // A file descriptor closed on destruction.
  class Fd {
   public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
    int get() const { return fd_; }
    void reset(int fd);

   private:
    int fd_;
  };

  void accept_loop() noexcept;
  void dispatch(int client_fd);

  std::string path_;
  std::string staging_path_;  // where it is bound until start() renames it to path_
  bool staged_ = false;       // the socket file is at staging_path_ (bound, not yet renamed)
  dev_t file_device_ = 0;     // the socket file's identity, to tell it from a successor's
  ino_t file_inode_ = 0;
  Fd listen_fd_;
  Fd wake_fd_;  // eventfd: the destructor's "stop" to the accept thread
  // Held by pointer so that the destructor can destroy it first: Pistache joins a reactor's
  // worker threads in its destructor, not in shutdown().
  std::shared_ptr<Pistache::Aio::Reactor> reactor_;
  std::vector<std::shared_ptr<Pistache::Tcp::Transport>> transports_;
  std::size_t next_transport_ = 0;  // accept thread only
  std::thread acceptor_;
  bool started_ = false;
};

}  // namespace atelier::http
