#include "json/formatting.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "json/serialize.hpp"

namespace atelier::json {
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in milliseconds since the epoch.
constexpr std::int64_t kEarliestMillis = -62'167'219'200'000;
constexpr std::int64_t kLatestMillis = 253'402'300'799'999;

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Proleptic Gregorian date of a day count since 1970-01-01, integer arithmetic only (no gmtime:
// no locale, no time zone, no 32-bit time_t limits). The calendar is shifted to start on March 1
// so the leap day is the last day of the "year"; a 400-year era has exactly 146097 days.
CivilDate civil_from_days(std::int64_t days_since_epoch) noexcept {
  constexpr std::int64_t kDaysPerEra = 146'097;
  // 719468 = days from 0000-03-01 to 1970-01-01.
  const std::int64_t shifted = days_since_epoch + 719'468;
  const std::int64_t era = (shifted >= 0 ? shifted : shifted - (kDaysPerEra - 1)) / kDaysPerEra;
  const std::int64_t day_of_era = shifted - era * kDaysPerEra;  // [0, 146096]
  // Subtract the leap days before this day in the era: one per 4 years (1460 days), minus one per
  // century (36524 days), plus one for the 400th year (146096 is its last day).
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0,399]
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  // Months from March have lengths 31,30,31,30,31 repeating: (5*doy+2)/153 maps days to months.
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // [0, 11], 0 = March
  const auto day = static_cast<unsigned>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const auto month =
      static_cast<unsigned>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// Writes `value` as exactly `width` decimal digits (zero-padded) and returns the end.
char* put_digits(char* out, std::uint64_t value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::size_t format_price_to(char* out, model::Cents cents) noexcept {
  char* p = out;
  // Magnitude in unsigned arithmetic so INT64_MIN does not overflow.
  std::uint64_t magnitude = static_cast<std::uint64_t>(cents);
  if (cents < 0) {
    *p++ = '-';
    magnitude = 0 - magnitude;
  }
  p = std::to_chars(p, out + kMaxPriceChars, magnitude / 100).ptr;  // cannot fail: 17 digits max
  *p++ = '.';
  p = put_digits(p, magnitude % 100, 2);
  return static_cast<std::size_t>(p - out);
}

void format_timestamp_to(char* out, model::EpochMillis millis) noexcept {
  if (millis < kEarliestMillis) millis = kEarliestMillis;
  if (millis > kLatestMillis) millis = kLatestMillis;
  // Floor division: -1 ms is 1969-12-31T23:59:59.999Z, not a negative time of day.
  std::int64_t days = millis / kMillisPerDay;
  std::int64_t millis_of_day = millis % kMillisPerDay;
  if (millis_of_day < 0) {
    millis_of_day += kMillisPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const auto ms = static_cast<std::uint64_t>(millis_of_day);
  char* p = put_digits(out, static_cast<std::uint64_t>(date.year), 4);
  *p++ = '-';
  p = put_digits(p, date.month, 2);
  *p++ = '-';
  p = put_digits(p, date.day, 2);
  *p++ = 'T';
  p = put_digits(p, ms / 3'600'000, 2);
  *p++ = ':';
  p = put_digits(p, ms / 60'000 % 60, 2);
  *p++ = ':';
  p = put_digits(p, ms / 1000 % 60, 2);
  *p++ = '.';
  p = put_digits(p, ms % 1000, 3);
  *p = 'Z';
}

// A multiply-rotate hash in the shape of xxHash64 (four independent lanes over 32-byte stripes,
// so the CPU overlaps the multiplies; a ~3 KB body hashes in well under a microsecond, where
// byte-at-a-time FNV-1a would take several), finished with the MurmurHash3 64-bit avalanche.
// Words are read little-endian via memcpy (x86-64 is the only target; a big-endian host would
// produce different tags, which only costs clients a re-download).
std::uint64_t hash_body(std::string_view body) noexcept {
  constexpr std::uint64_t kMul1 = 0x9E3779B97F4A7C15ULL;  // 2^64 / golden ratio
  constexpr std::uint64_t kMul2 = 0xBF58476D1CE4E5B9ULL;
  constexpr std::uint64_t kMul3 = 0x94D049BB133111EBULL;
  constexpr std::uint64_t kAdd = 0x2545F4914F6CDD1DULL;
  const auto rotl = [](std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  const auto mix_word = [&](std::uint64_t acc, std::uint64_t word) {
    return rotl(acc + word * kMul2, 31) * kMul1;
  };
  const auto load64 = [](const char* p) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    return word;
  };

  const char* p = body.data();
  const char* const end = p + body.size();
  std::uint64_t h;
  if (body.size() >= 32) {
    std::uint64_t lane1 = kMul1 + kMul2;
    std::uint64_t lane2 = kMul2;
    std::uint64_t lane3 = 0;
    std::uint64_t lane4 = 0 - kMul1;
    for (; end - p >= 32; p += 32) {
      lane1 = mix_word(lane1, load64(p));
      lane2 = mix_word(lane2, load64(p + 8));
      lane3 = mix_word(lane3, load64(p + 16));
      lane4 = mix_word(lane4, load64(p + 24));
    }
    h = rotl(lane1, 1) + rotl(lane2, 7) + rotl(lane3, 12) + rotl(lane4, 18);
    for (const std::uint64_t lane : {lane1, lane2, lane3, lane4}) {
      h = (h ^ mix_word(0, lane)) * kMul1 + kAdd;
    }
  } else {
    h = kAdd + kMul3;
  }
  h += static_cast<std::uint64_t>(body.size());
  for (; end - p >= 8; p += 8) {
    h ^= mix_word(0, load64(p));
    h = rotl(h, 27) * kMul1 + kAdd;
  }
  for (; p != end; ++p) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(*p)) * kMul3;
    h = rotl(h, 11) * kMul1;
  }
  // MurmurHash3 fmix64: every input bit affects every output bit.
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

std::string format_price(model::Cents cents) {
  char buffer[kMaxPriceChars];
  return std::string(buffer, format_price_to(buffer, cents));
}

std::string format_timestamp(model::EpochMillis millis) {
  char buffer[kTimestampChars];
  format_timestamp_to(buffer, millis);
  return std::string(buffer, kTimestampChars);
}

std::string etag_for(std::string_view body) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string tag(18, '"');
  std::uint64_t h = hash_body(body);
  for (int i = 16; i >= 1; --i) {
    tag[static_cast<std::size_t>(i)] = kHexDigits[h & 0xF];
    h >>= 4;
  }
  return tag;
}

}  // namespace atelier::json
