// atelier-gen: writes a synthetic catalog (CSV files + manifest.json). All logic lives in
// src/gen; this is argument handling and the summary on stderr.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "gen/command_line.hpp"
#include "gen/generator.hpp"

int main(int argc, char** argv) {
  using atelier::gen::CommandLine;
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
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
