// The generator's only source of randomness. Every product draws from its own streams, seeded from
// (seed, product id, purpose), so the bytes of a product never depend on which thread made it or
// on the order blocks were produced: same seed + size => same files, whatever --threads says.
#pragma once

#include <cstdint>

namespace atelier::gen {

// SplitMix64 finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// 2014): a cheap bijective mix with good avalanche, enough for synthetic data.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Named purposes keep the streams of one product independent: the plan (row counts, which must
// be replayed identically by the id-numbering pass and the writing pass) never shares draws with
// the text, so text changes cannot shift ids.
enum class Stream : std::uint64_t { plan = 1, content = 2, dirt_sites = 3, cart = 4 };

class Random {
 public:
  explicit constexpr Random(std::uint64_t state) : state_(state) {}

  static constexpr Random for_stream(std::uint64_t seed, std::uint64_t key, Stream purpose) {
    return Random(
        mix64(seed ^ mix64(key * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(purpose))));
  }

  constexpr std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  // Uniform in [0, n) by multiply-shift (Lemire); the bias for n << 2^64 is far below anything a
  // synthetic catalog could show.
  constexpr std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Uniform in [lo, hi], both inclusive; requires lo <= hi.
  constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  constexpr bool per_mille(std::uint32_t chance) { return below(1000) < chance; }

 private:
  std::uint64_t state_;
};

}  // namespace atelier::gen
