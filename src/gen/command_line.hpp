// atelier-gen's arguments -> GenerateOptions. Pure, so the tool's main() stays a thin shell and the
// parsing is unit-tested.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "gen/generator.hpp"

namespace atelier::gen {

struct CommandLine {
  enum class Action { generate, help, error };
  Action action = Action::error;
  GenerateOptions options;
  std::string error;  // for Action::error: one sentence naming the bad argument
};

// `arguments` excludes the program name.
CommandLine parse_command_line(std::span<const std::string_view> arguments);

std::string usage_text(std::string_view program);

}  // namespace atelier::gen
