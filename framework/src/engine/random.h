// Small, fast, seedable random numbers for the engine's hot paths.
#ifndef LOADGATE_ENGINE_RANDOM_H_
#define LOADGATE_ENGINE_RANDOM_H_

#include <cmath>
#include <cstdint>
#include <numbers>

namespace loadgate::engine {

// SplitMix64: turns any seed (including small consecutive ones) into
// well-mixed 64-bit values; used to seed Rng.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256**: a few instructions per draw, no allocation, and independent
// streams from different seeds, so each worker (and each worker's arrival
// process) owns one and the run stays reproducible from RunOptions::seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n); n > 0. The modulo bias is below n / 2^64,
  // far under anything a data set size can show.
  uint64_t Below(uint64_t n) { return Next() % n; }

  // Exponential with mean 1.
  double Exponential() { return -std::log1p(-Uniform()); }

  // Standard normal (Box-Muller; one value per call keeps no hidden state).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1], so log is finite
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) *
           std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_RANDOM_H_
