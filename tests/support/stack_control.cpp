#include "stack_control.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <exception>
#include <iostream>
#include <utility>

#include "http_client.hpp"

extern char** environ;

namespace atelier::testing {
namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Result {
  int status = -1;
  std::string out;
};

// An unlinked temporary file (read back through its descriptor).
Fd temporary_file() {
  std::string path = "/tmp/atelier-stack-control.XXXXXX";
  Fd fd(::mkstemp(path.data()));
  if (fd.get() >= 0) ::unlink(path.c_str());
  return fd;
}

std::string contents(const Fd& fd) {
  std::string text;
  std::array<char, 4096> buffer{};
  ::lseek(fd.get(), 0, SEEK_SET);
  ssize_t n = 0;
  while ((n = ::read(fd.get(), buffer.data(), buffer.size())) > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return text;
}

// Runs scripts/stack-control with ARGS, its stdout and stderr into temporary files (not pipes: a
// server it starts in the background must not be able to hold the caller up). stderr is shown
// when the command fails.
Result run(const std::vector<std::string>& args) {
  Result result;
  const std::string command = required_env("ATELIER_ROOT") + "/scripts/stack-control";
  std::vector<std::string> words{command, "--dir", required_env("ATELIER_STACK_DIR")};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  const Fd out = temporary_file();
  const Fd err = temporary_file();
  if (out.get() < 0 || err.get() < 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.get(), 2);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, command.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return result;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return result;
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = contents(out);
  if (result.status != 0) {
    std::cerr << "scripts/stack-control";
    for (const auto& a : args) std::cerr << ' ' << a;
    std::cerr << ": exit " << result.status << "\n" << contents(err);
  }
  return result;
}

}  // namespace

int stack_control(const std::vector<std::string>& args) {
  return run(args).status;
}

std::string stack_control_output(const std::vector<std::string>& args, int& status) {
  Result r = run(args);
  status = r.status;
  return r.out;
}

int host_pid(int index) {
  const Result r = run({"host", "pid", std::to_string(index)});
  if (r.status != 0) return -1;
  try {
    return std::stoi(r.out);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace atelier::testing
