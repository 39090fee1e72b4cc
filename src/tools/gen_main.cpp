// atelier-gen: writes a synthetic catalog (CSV files + manifest.json). All logic lives in
// src/gen; this is argument handling and the summary on stderr.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "gen/command_line.hpp"
#include "gen/generator.hpp"
#include "gen/mutate.hpp"
#include "version/version.hpp"

int main(int argc, char** argv) {
  using atelier::gen::CommandLine;
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  if (arguments.size() == 1 && arguments.front() == "--version") {
    std::puts(atelier::version::version_line("atelier-gen").c_str());
    return 0;
  }
  if (!arguments.empty() && arguments.front() == "--mutate-from") {
    // Tomorrow's catalog from today's (src/gen/mutate.hpp).
    atelier::gen::MutateOptions options;
    if (const auto error = atelier::gen::parse_mutate_arguments(arguments, options);
        !error.empty()) {
      std::fprintf(stderr,
                   "atelier-gen: %s\nusage: atelier-gen --mutate-from DIR --out DIR2 "
                   "[--changed-percent P] [--seed S]\n",
                   error.c_str());
      return 2;
    }
    try {
      const auto report = atelier::gen::mutate_catalog(options);
      std::fprintf(stderr,
                   "mutated %s -> %s: changed=%zu added=%zu deleted=%zu dangling_related=%zu "
                   "(%.2f s); partial update in %s/update, ids in %s/changes.json\n",
                   options.from.c_str(), options.out.c_str(), report.changed.size(),
                   report.added.size(), report.deleted.size(), report.dangling_related.size(),
                   report.seconds, options.out.c_str(), options.out.c_str());
      return 0;
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "atelier-gen: %s\n", failure.what());
      return 1;
    }
  }
  const CommandLine command = atelier::gen::parse_command_line(arguments);
  const std::string_view program = argc > 0 ? argv[0] : "atelier-gen";
  if (command.action == CommandLine::Action::help) {
    std::fputs(atelier::gen::usage_text(program).c_str(), stdout);
    return 0;
  }
  if (command.action == CommandLine::Action::error) {
    std::fprintf(stderr, "atelier-gen: %s\n", command.error.c_str());
    std::fputs(atelier::gen::usage_text(program).c_str(), stderr);
    return 2;
  }
  try {
    const atelier::gen::GenerateReport report = atelier::gen::generate(command.options);
    std::int64_t total_rows = 0;
    std::int64_t total_bytes = 0;
    for (const auto& file : report.files) {
      std::fprintf(stderr, "%-14s %12lld rows %15lld bytes\n", file.name.c_str(),
                   static_cast<long long>(file.rows), static_cast<long long>(file.bytes));
      total_rows += file.rows;
      total_bytes += file.bytes;
    }
    std::fprintf(stderr, "total          %12lld rows %15lld bytes, %zu planted lines, %.2f s\n",
                 static_cast<long long>(total_rows), static_cast<long long>(total_bytes),
                 report.manifest.planted.size(), report.seconds);
    return 0;
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "atelier-gen: %s\n", failure.what());
    return 1;
  }
}
