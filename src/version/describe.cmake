# Run at build time (src/version/CMakeLists.txt): writes OUT, a header with the version of this
# build, and leaves it untouched when the version did not change (no rebuild then).
#   ATELIER_VERSION set (e.g. by an image build without .git): used as is.
#   Otherwise `git describe --tags --always --dirty` of SOURCE_DIR; a checkout without a release
#   tag gives <project version>-g<commit>[-dirty] (e.g. 0.1.0-g0f612f0).
set(version "${ATELIER_VERSION}")
set(commit "")
if(version STREQUAL "")
  execute_process(COMMAND git -C "${SOURCE_DIR}" describe --tags --always --dirty --match "v[0-9]*"
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE failed ERROR_QUIET)
  execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(failed OR described STREQUAL "")
    set(version "${PROJECT_VERSION}-unknown")
  elseif(described MATCHES "^v([0-9].*)$")
    set(version "${CMAKE_MATCH_1}")
  else()
    set(version "${PROJECT_VERSION}-g${described}")
  endif()
endif()
if(commit STREQUAL "")
  set(commit "${ATELIER_COMMIT}")
endif()
set(text "// GENERATED at build time by src/version/describe.cmake. Do not edit.
#pragma once
#define ATELIER_BUILD_VERSION \"${version}\"
#define ATELIER_BUILD_COMMIT \"${commit}\"
")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
