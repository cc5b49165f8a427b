// The bucket boundaries of every latency histogram loadgate and the services
// under test export to Prometheus, so `histogram_quantile` over them agrees
// with loadgate's own percentiles within a stated error.
//
// Boundaries are the ISO 3 R20 preferred numbers (1, 1.12, 1.25, 1.4, 1.6,
// 1.8, 2, 2.24, 2.5, 2.8, 3.15, 3.55, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9 in
// every decade) from 100 us to 56 s, then 60 s: 117 buckets plus +Inf,
// readable in a heat map and nearly geometric (neighbours differ by a
// factor of 1.071 to 1.143).
//
// Error bound. Prometheus's histogram_quantile(q) finds the bucket
// (lo, hi] holding rank q * count and interpolates linearly inside it.
// loadgate's percentile (nearest rank) is a value in that same bucket,
// because both select the first bucket whose cumulative count reaches
// q * count. Two values of (lo, hi] differ by at most hi / lo - 1 of the
// smaller, so between 100 us and 60 s
//   |histogram_quantile - loadgate percentile| <= 14.3 % of the percentile
// (kMaxRelativeError; the widest step is 1.4 -> 1.6). Below 100 us the
// first bucket starts at 0, so the error is at most 100 us in absolute
// terms; above 60 s histogram_quantile answers 60 s (a lower bound).
// docs/prometheus.md derives it at more length.
//
// Header-only and standard-library-only on purpose: the services under
// test (services/, which never link the framework) include it through
// services/common/prometheus_buckets.h, so every /metrics of the stack
// shares the one table.
#ifndef LOADGATE_PROMETHEUS_BUCKETS_H_
#define LOADGATE_PROMETHEUS_BUCKETS_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgate::prometheus {

// R20 mantissas times 100.
inline constexpr std::array<int64_t, 20> kR20Mantissas = {
    100, 112, 125, 140, 160, 180, 200, 224, 250, 280,
    315, 355, 400, 450, 500, 560, 630, 710, 800, 900};

inline constexpr size_t kBucketCount = 117;  // finite buckets; +Inf extra
inline constexpr double kMaxRelativeError = 1.6 / 1.4 - 1;  // 0.142857...

// Upper bounds (Prometheus `le`) in nanoseconds, ascending: 100000 (100 us)
// up to 60000000000 (60 s). Integers, so binning and the `le` text are
// exact.
inline constexpr std::array<int64_t, kBucketCount> kBucketBoundsNs = [] {
  std::array<int64_t, kBucketCount> bounds{};
  size_t next = 0;
  int64_t scale = 1000;  // mantissa 100 * 1000 ns = 100 us
  while (next + 1 < kBucketCount) {
    for (int64_t mantissa : kR20Mantissas) {
      if (next + 1 == kBucketCount) break;
      bounds[next++] = mantissa * scale;
    }
    scale *= 10;
  }
  bounds[next] = 60'000'000'000;  // after 56 s
  return bounds;
}();

// The bucket a value of `ns` nanoseconds falls in: the first whose upper
// bound is >= ns, or kBucketCount (+Inf).
inline size_t BucketIndex(int64_t ns) {
  return static_cast<size_t>(
      std::lower_bound(kBucketBoundsNs.begin(), kBucketBoundsNs.end(), ns) -
      kBucketBoundsNs.begin());
}
inline size_t BucketIndexOfSeconds(double seconds) {
  return BucketIndex(static_cast<int64_t>(seconds * 1e9 + 0.5));
}

// The `le` label of bucket `index` in seconds, exact and without trailing
// zeros ("0.000112", "1.6", "60"); "+Inf" for kBucketCount.
inline std::string LeLabel(size_t index) {
  if (index >= kBucketCount) return "+Inf";
  const int64_t ns = kBucketBoundsNs[index];
  std::string fraction = std::to_string(1'000'000'000 + ns % 1'000'000'000);
  fraction.erase(0, 1);  // the nine digits after the point
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string text = std::to_string(ns / 1'000'000'000);
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace loadgate::prometheus

#endif  // LOADGATE_PROMETHEUS_BUCKETS_H_
