// Word lists the synthetic catalog is written from. They imitate the real catalog files
// (CONTRACT §4): short product names, one-line slogans, descriptions that contain commas,
// apostrophes, '&' and the odd double space, colour style names, clothing and shoe sizes.
// No entry contains a double quote or a line break (rows quote text without escaping).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace atelier::gen {

// Which size labels a category's skus use; it also sets how many skus a style has.
enum class SizeScale : std::uint8_t { apparel, shoes, one_size };

struct CategoryWords {
  std::string_view name;  // "Jackets", "Kicks", ...
  SizeScale sizes;
  std::uint32_t weight;  // relative frequency among products
  std::span<const std::string_view> nouns;
  std::int32_t min_price;  // whole currency units, CONTRACT §4
  std::int32_t max_price;
};

struct FeatureWords {
  std::string_view name;                     // "Fabric"
  std::span<const std::string_view> values;  // empty: a flag feature whose value is null
};

std::span<const CategoryWords> categories();
std::span<const std::string_view> name_adjectives();
std::span<const std::string_view> slogan_openers();
std::span<const std::string_view> slogan_closers();
std::span<const std::string_view> description_sentences();
std::span<const FeatureWords> feature_words();
std::span<const std::string_view> colours();
std::span<const std::string_view> apparel_sizes();  // XS .. XXL
std::span<const std::string_view> shoe_sizes();     // 7, 7.5, ... 13
inline constexpr std::string_view kOneSize = "One Size";

}  // namespace atelier::gen
