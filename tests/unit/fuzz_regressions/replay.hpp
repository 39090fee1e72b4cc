// Replays saved fuzz inputs through the same entry code the libFuzzer targets run
// (tests/fuzz/fuzz_entries.hpp), so a bug the fuzzer found stays fixed in the gcc unit tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "../../fuzz/fuzz_entries.hpp"

namespace atelier::fuzz {

// tests/fuzz, set by tests/CMakeLists.txt.
inline std::filesystem::path fuzz_directory() {
  return ATELIER_FUZZ_DIR;
}

// Runs every file of tests/fuzz/<kind>/<target>/ (kind: "regressions" or "corpus") through
// `target`'s entry, reporting each broken invariant or escaping exception as a test failure.
// A missing or empty directory is a failure too: a replay that ran nothing proves nothing.
// Returns how many files were replayed.
inline int replay_directory(std::string_view kind, std::string_view target_name) {
  const auto target = std::find_if(kFuzzTargets.begin(), kFuzzTargets.end(),
                                   [&](const FuzzTarget& t) { return t.name == target_name; });
  if (target == kFuzzTargets.end()) {
    ADD_FAILURE() << "no fuzz target named " << target_name;
    return 0;
  }
  const std::filesystem::path dir = fuzz_directory() / kind / target_name;
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << dir << " does not exist: nothing to replay";
    return 0;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    if (item.is_regular_file()) files.push_back(item.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) ADD_FAILURE() << dir << " holds no input: nothing to replay";
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
      target->entry(bytes);
    } catch (const std::exception& error) {
      ADD_FAILURE() << file << ": " << error.what();
    }
  }
  return static_cast<int>(files.size());
}

}  // namespace atelier::fuzz
