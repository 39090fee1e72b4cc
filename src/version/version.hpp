// The version of this build: `git describe` of the checkout it was built from, or the release
// number an image build passes in (src/version/CMakeLists.txt).
#pragma once

#include <string>
#include <string_view>

namespace atelier::version {

// e.g. "0.2.0" (a release tag v0.2.0), "0.2.0-3-gabc1234" (3 commits after it),
// "0.1.0-g0f612f0" (no release tag yet); "-dirty" when built from uncommitted changes.
std::string_view version();
// The commit's short hash; empty when unknown (an image built without one).
std::string_view commit();
// The line `<program> --version` prints: "<program> <version> (commit <hash>)".
std::string version_line(std::string_view program);

}  // namespace atelier::version
