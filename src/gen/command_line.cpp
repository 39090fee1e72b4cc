#include "gen/command_line.hpp"

#include <charconv>
#include <cstdint>
#include <optional>

namespace atelier::gen {
namespace {

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

CommandLine failure(std::string message) {
  CommandLine result;
  result.action = CommandLine::Action::error;
  result.error = std::move(message);
  return result;
}

}  // namespace

CommandLine parse_command_line(std::span<const std::string_view> arguments) {
  CommandLine result;
  result.action = CommandLine::Action::generate;
  bool have_out = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view flag = arguments[i];
    if (flag == "--help" || flag == "-h") {
      result.action = CommandLine::Action::help;
      return result;
    }
    if (flag == "--no-dirt") {
      result.options.dirt = false;
      continue;
    }
    if (flag != "--products" && flag != "--out" && flag != "--seed" && flag != "--threads") {
      return failure("unknown argument '" + std::string(flag) + "' (see --help)");
    }
    if (i + 1 >= arguments.size()) return failure(std::string(flag) + " needs a value");
    const std::string_view value = arguments[++i];
    if (flag == "--out") {
      if (value.empty()) return failure("--out needs a directory");
      result.options.out_dir = std::string(value);
      have_out = true;
    } else if (flag == "--products") {
      const auto products = parse_number<std::int64_t>(value);
      if (!products || *products < 1 || *products > kFullCatalogProducts * 100) {
        return failure("--products must be a whole number from 1 to 100000000");
      }
      result.options.products = *products;
    } else if (flag == "--seed") {
      const auto seed = parse_number<std::uint64_t>(value);
      if (!seed) return failure("--seed must be a whole number >= 0");
      result.options.seed = *seed;
    } else {
      const auto threads = parse_number<int>(value);
      if (!threads || *threads < 1 || *threads > 64) {
        return failure("--threads must be a whole number from 1 to 64");
      }
      result.options.threads = *threads;
    }
  }
  if (!have_out) return failure("--out DIR is required");
  return result;
}

std::string usage_text(std::string_view program) {
  std::string text = "Usage: " + std::string(program) +
                     " --products N --out DIR [--seed S] [--no-dirt] [--threads T]\n";
  text +=
      "\n"
      "Writes a synthetic Atelier catalog: product.csv, features.csv, styles.csv, photos.csv,\n"
      "skus.csv, related.csv, cart.csv (format of CONTRACT section 4) and manifest.json.\n"
      "\n"
      "  --products N  number of products, 1..100000000 (default 10000; the real catalog has\n"
      "                1000011, about 26.7 million rows and 2.3 GB)\n"
      "  --out DIR     output directory (created if missing; files are overwritten)\n"
      "  --seed S      random seed (default 42); same seed and size => identical bytes\n"
      "  --no-dirt     do not plant the known dirt (bad quotes, dangling rows, duplicates...)\n"
      "  --threads T   worker threads, 1..64 (default 2); does not change the output\n"
      "  --help        this text\n"
      "  --version     print the version and exit\n";
  return text;
}

}  // namespace atelier::gen
