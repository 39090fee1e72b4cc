// The folders of saved fuzz inputs themselves: each one is replayed only by a test naming its
// target, so a folder whose name is no target (a typo, a renamed target) would never run.
#include "replay.hpp"

namespace atelier::fuzz {
namespace {

bool is_target(const std::string& name) {
  return std::any_of(kFuzzTargets.begin(), kFuzzTargets.end(),
                     [&](const FuzzTarget& target) { return target.name == name; });
}

TEST(FuzzInputFolders, EveryFolderNamesAFuzzTarget) {
  int folders = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& item : std::filesystem::directory_iterator(fuzz_directory() / kind)) {
      ++folders;
      EXPECT_TRUE(item.is_directory()) << item.path() << " is not a folder of inputs";
      EXPECT_TRUE(is_target(item.path().filename().string()))
          << item.path() << " names no fuzz target of tests/fuzz/fuzz_entries.hpp";
    }
  }
  EXPECT_GE(folders, static_cast<int>(kFuzzTargets.size()));
}

}  // namespace
}  // namespace atelier::fuzz
