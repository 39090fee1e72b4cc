#include "http/unix_listener.hpp"

#include <fcntl.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <pistache/transport.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "http/log.hpp"

namespace atelier::http {

namespace {

std::system_error os_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

}  // namespace

UnixListener::Fd::~Fd() {
  reset(-1);
}

void UnixListener::Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

UnixListener::UnixListener(std::string path,
                           const std::shared_ptr<Pistache::Http::Handler>& handler,
                           std::size_t threads)
    : path_(std::move(path)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof(address.sun_path)) {
    throw std::invalid_argument("unix socket path must be 1.." +
                                std::to_string(sizeof(address.sun_path) - 1) +
                                " bytes long: " + path_);
  }
  // The socket is bound at a temporary name beside `path` and renamed over it in start(): a host
  // that replaces a running one (scripts/rolling-restart) takes the path over atomically, so NGINX
  // never finds it missing; the one replaced keeps serving what it accepted and drains.
  staging_path_ = path_ + ".new-" + std::to_string(::getpid());
  if (staging_path_.size() >= sizeof(address.sun_path)) {
    throw std::invalid_argument(
        "unix socket path must be at most " +
        std::to_string(sizeof(address.sun_path) - 1 - (staging_path_.size() - path_.size())) +
        " bytes long: " + path_);
  }
  std::memcpy(address.sun_path, staging_path_.data(), staging_path_.size());

  // Only a socket may be replaced (a killed host's, or a running host's being replaced); anything
  // else at that path is not ours.
  struct stat existing {};
  if (::lstat(path_.c_str(), &existing) == 0 && !S_ISSOCK(existing.st_mode)) {
    throw std::invalid_argument("not a socket, refusing to replace it: " + path_);
  }
  ::unlink(staging_path_.c_str());  // a leftover of a process with our pid that was killed

  listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (listen_fd_.get() < 0) throw os_error("socket");
  if (::bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw os_error("bind " + staging_path_);
  }
  staged_ = true;
  // As reachable as the TCP port on 127.0.0.1, which any local user can connect to; NGINX's
  // workers run as another user than its master.
  if (::chmod(staging_path_.c_str(), 0666) != 0) throw os_error("chmod " + staging_path_);
  struct stat bound {};
  if (::lstat(staging_path_.c_str(), &bound) != 0) throw os_error("lstat " + staging_path_);
  file_device_ = bound.st_dev;
  file_inode_ = bound.st_ino;
  if (::listen(listen_fd_.get(), 4096) != 0) throw os_error("listen " + staging_path_);
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wake_fd_.get() < 0) throw os_error("eventfd");

  reactor_ = Pistache::Aio::Reactor::create();
  reactor_->init(Pistache::Aio::AsyncContext(threads, "atelier-unix"));
  const auto key = reactor_->addHandler(std::make_shared<Pistache::Tcp::Transport>(handler));
  for (const auto& h : reactor_->handlers(key)) {
    transports_.push_back(std::static_pointer_cast<Pistache::Tcp::Transport>(h));
  }
}

void UnixListener::start() {
  reactor_->run();  // starts one thread per transport and returns
  started_ = true;
  acceptor_ = std::thread([this] { accept_loop(); });
  if (::rename(staging_path_.c_str(), path_.c_str()) != 0) throw os_error("rename to " + path_);
  staged_ = false;
}

bool UnixListener::owns_path() const {
  struct stat now {};
  return ::lstat(path_.c_str(), &now) == 0 && now.st_dev == file_device_ &&
         now.st_ino == file_inode_;
}

UnixListener::~UnixListener() {
  if (acceptor_.joinable()) {
    const std::uint64_t one = 1;
    if (::write(wake_fd_.get(), &one, sizeof one) < 0) {
      log_event("error", "unix_listener_wake_failed", {{"what", std::strerror(errno)}});
    }
    acceptor_.join();
  }
  if (started_) reactor_->shutdown();  // asks the worker threads to stop
  reactor_.reset();                    // and waits for them
  // Pistache 0.0.5's transports never close their connections (they have no destructor), so the
  // ones still open are closed here, now that no thread uses them.
  for (const auto& transport : transports_) {
    for (const auto& peer : transport->getAllPeer()) ::close(peer->fd());
  }
  // The path is removed only while it is still this listener's: a host that took it over keeps it.
  if (staged_) {
    ::unlink(staging_path_.c_str());
  } else if (owns_path()) {
    ::unlink(path_.c_str());
  }
}

void UnixListener::accept_loop() noexcept {
  pollfd watched[2] = {{listen_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log_event("error", "unix_accept_failed", {{"what", std::strerror(errno)}});
      return;
    }
    if (watched[1].revents != 0) return;
    for (;;) {
      const int client =
          ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          // Out of descriptors or memory: keep the listener, try again on the next poll.
          log_event("error", "unix_accept_failed", {{"what", std::strerror(errno)}});
        }
        break;
      }
      dispatch(client);
    }
  }
}

void UnixListener::dispatch(int client_fd) {
  try {
    // Once handed over, the transport closes the descriptor when the connection ends.
    auto peer = Pistache::Tcp::Peer::Create(client_fd, Pistache::Address());
    auto& transport = transports_[next_transport_++ % transports_.size()];
    transport->handleNewPeer(peer);
  } catch (const std::exception& e) {
    log_event("error", "unix_dispatch_failed", {{"what", e.what()}});
    ::close(client_fd);
  }
}

}  // namespace atelier::http
