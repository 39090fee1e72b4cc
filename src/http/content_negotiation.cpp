#include "http/content_negotiation.hpp"

#include <array>

namespace atelier::http {

namespace {

using encoding::Coding;

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_qvalue(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (text[0] != '0' && text[0] != '1') return std::nullopt;
  int value = (text[0] - '0') * 1000;
  if (text.size() == 1) return value;
  if (text[1] != '.') return std::nullopt;
  int scale = 100;
  for (std::size_t i = 2; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value += (text[i] - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;  // "1.5"
  return value;
}

// The q-value of one list element ("gzip;q=0.8" -> 800), nullopt when a q parameter is malformed.
std::optional<int> weight_of(std::string_view parameters) {
  int weight = 1000;
  while (!parameters.empty()) {
    const auto semicolon = parameters.find(';');
    const std::string_view parameter = trim(parameters.substr(0, semicolon));
    parameters =
        semicolon == std::string_view::npos ? std::string_view{} : parameters.substr(semicolon + 1);
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (!iequals(trim(parameter.substr(0, equals)), "q")) continue;
    const auto q = parse_qvalue(trim(parameter.substr(equals + 1)));
    if (!q) return std::nullopt;
    weight = *q;
  }
  return weight;
}

enum Slot { kIdentity, kGzip, kBr, kWildcard, kSlots };

std::size_t slot_of(Coding coding) {
  switch (coding) {
    case Coding::gzip:
      return kGzip;
    case Coding::br:
      return kBr;
    case Coding::identity:
      break;
  }
  return kIdentity;
}

}  // namespace

Coding negotiate_coding(std::optional<std::string_view> accept_encoding,
                        std::span<const Coding> offered) {
  if (!accept_encoding) return Coding::identity;
  // The first element naming a coding decides its q-value; -1 = not named.
  std::array<int, kSlots> weights;
  weights.fill(-1);
  std::string_view list = *accept_encoding;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view element = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    const auto semicolon = element.find(';');
    const std::string_view name = trim(element.substr(0, semicolon));
    if (name.empty()) continue;
    const auto weight = weight_of(
        semicolon == std::string_view::npos ? std::string_view{} : element.substr(semicolon + 1));
    if (!weight) continue;
    std::size_t slot = kSlots;
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) {
      slot = kGzip;
    } else if (iequals(name, "br")) {
      slot = kBr;
    } else if (iequals(name, "identity")) {
      slot = kIdentity;
    } else if (name == "*") {
      slot = kWildcard;
    }
    if (slot != kSlots && weights[slot] < 0) weights[slot] = *weight;
  }
  auto weight_for = [&](Coding coding) {
    const int named = weights[slot_of(coding)];
    if (named >= 0) return named;
    if (weights[kWildcard] >= 0) return weights[kWildcard];
    // Identity not named is acceptable but the least wanted: "gzip;q=0.5" still means gzip.
    return coding == Coding::identity ? 1 : 0;
  };
  // The heaviest offered coding; on a tie the earlier one (the service's preference).
  Coding best = Coding::identity;
  int best_weight = 0;
  for (const Coding coding : offered) {
    if (coding == Coding::identity) continue;
    const int weight = weight_for(coding);
    if (weight > best_weight) {
      best = coding;
      best_weight = weight;
    }
  }
  // Identity wins only when the client weighs it above every offered coding, or nothing offered
  // is acceptable.
  if (best_weight > 0 && best_weight >= weight_for(Coding::identity)) return best;
  return Coding::identity;
}

}  // namespace atelier::http
