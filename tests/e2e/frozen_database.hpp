// Stops every process of scripts/test's primary PostgreSQL (SIGSTOP: a hung server, which
// answers nothing and refuses nothing) for as long as the object lives.
#pragma once

#include <cstdlib>
#include <string>

#include "http_client.hpp"

namespace atelier::testing {

class FrozenDatabase {
 public:
  FrozenDatabase() { signal_all("STOP"); }
  ~FrozenDatabase() { thaw(); }
  FrozenDatabase(const FrozenDatabase&) = delete;
  FrozenDatabase& operator=(const FrozenDatabase&) = delete;
  void thaw() {
    if (frozen_) signal_all("CONT");
    frozen_ = false;
  }
  bool frozen() const { return frozen_; }

 private:
  void signal_all(const char* signal) {
    const std::string pidfile = required_env("ATELIER_STACK_DIR") + "/pg/data/postmaster.pid";
    const std::string command = std::string("main=$(head -n 1 '") + pidfile + "') && kill -" +
                                signal + " $main $(pgrep -P $main)";
    frozen_ = std::system(command.c_str()) == 0 && std::string(signal) == "STOP";
  }
  bool frozen_ = false;
};

}  // namespace atelier::testing
