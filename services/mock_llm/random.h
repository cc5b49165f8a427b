#ifndef SERVICES_MOCK_LLM_RANDOM_H_
#define SERVICES_MOCK_LLM_RANDOM_H_

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace loadgate::services::mock_llm {

// SplitMix64: tiny state (8 bytes per stream), fast, and good enough for
// choosing words and delays. Deterministic for a given seed.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }
  // Standard normal (Box-Muller; one value per call keeps the state small).
  double Gaussian() {
    double u1 = Uniform();
    while (u1 <= 0) u1 = Uniform();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) *
           std::cos(2.0 * std::numbers::pi * u2);
  }
  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

// FNV-1a, to derive a content seed from the prompt.
inline uint64_t HashText(std::string_view text, uint64_t seed = 0) {
  uint64_t hash = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_RANDOM_H_
