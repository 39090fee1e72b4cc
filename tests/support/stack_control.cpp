#include "stack_control.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <exception>
#include <iostream>
#include <sstream>

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
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Result {
  int status = -1;
  std::string out;
};

// Runs scripts/stack-control with ARGS: stdout collected, stderr into a temporary file that is
// shown when the command fails.
Result run(const std::vector<std::string>& args) {
  Result result;
  const std::string command = required_env("ATELIER_ROOT") + "/scripts/stack-control";
  std::vector<std::string> words{command, "--dir", required_env("ATELIER_STACK_DIR")};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  std::array<int, 2> out{-1, -1};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) return result;
  Fd read_end(out[0]);
  Fd write_end(out[1]);
  // Unlinked at once: read back through the descriptor.
  std::string log_path = "/tmp/atelier-stack-control.XXXXXX";
  Fd log(::mkstemp(log_path.data()));
  if (log.get() < 0) return result;
  ::unlink(log_path.c_str());

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 2);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, command.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (spawned != 0) return result;

  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buffer.data(), buffer.size());
    if (n > 0) {
      result.out.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return result;
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result.status != 0) {
    std::ostringstream text;
    ::lseek(log.get(), 0, SEEK_SET);
    ssize_t n = 0;
    while ((n = ::read(log.get(), buffer.data(), buffer.size())) > 0) {
      text.write(buffer.data(), n);
    }
    std::cerr << "scripts/stack-control";
    for (const auto& a : args) std::cerr << ' ' << a;
    std::cerr << ": exit " << result.status << "\n" << text.str();
  }
  return result;
}

}  // namespace

int stack_control(const std::vector<std::string>& args) {
  return run(args).status;
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
