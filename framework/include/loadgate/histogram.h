// Log-linear latency histogram with bounded relative error and exact merge.
#ifndef LOADGATE_HISTOGRAM_H_
#define LOADGATE_HISTOGRAM_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace loadgate {

// Records non-negative 64-bit values (nanoseconds by convention). Values are
// bucketed by their power of two, and each power-of-two range is split into
// 2^precision_bits linear sub-buckets, so a reported value differs from the
// recorded one by at most 2^-precision_bits relative (the default of 7 bits
// gives < 0.8 %). Two histograms of the same precision merge exactly: merging
// adds counts bucket by bucket, so percentiles of a merged histogram equal
// those of one histogram that had recorded every value.
//
// Record() never allocates: all buckets are allocated by the constructor.
class Histogram {
 public:
  static constexpr int kDefaultPrecisionBits = 7;

  explicit Histogram(int precision_bits = kDefaultPrecisionBits);

  void Record(int64_t value) noexcept { RecordMultiple(value, 1); }
  // Negative values are clamped to zero.
  void RecordMultiple(int64_t value, uint64_t count) noexcept;
  // Requires equal precision (checked; throws std::invalid_argument).
  void Merge(const Histogram& other);
  void Reset() noexcept;

  uint64_t count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  int64_t min() const noexcept;  // 0 when empty
  int64_t max() const noexcept;  // 0 when empty
  double mean() const noexcept;  // 0 when empty
  double sum() const noexcept { return sum_; }
  int precision_bits() const noexcept { return precision_bits_; }

  // Bytes the buckets of a histogram of `precision_bits` take, the same
  // empty or full: what a reader of untrusted reports budgets before
  // building one.
  static size_t BucketBytes(int precision_bits) noexcept;

  // The value at `percentile` in [0, 100] (nearest rank, reported as the
  // bucket's representative value clamped to [min, max]); 0 when empty.
  int64_t Percentile(double percentile) const noexcept;

  // Non-empty buckets, ascending, as (representative value, count) pairs;
  // feeding them back through RecordMultiple() rebuilds an identical
  // histogram. This is the serialised form used by the JSON report.
  std::vector<std::pair<int64_t, uint64_t>> NonEmptyBuckets() const;

  // Rebuilds a histogram from NonEmptyBuckets() plus the exact min, max and
  // sum, which bucket values alone only approximate (so p0/p100 and the mean
  // survive a JSON round trip). Throws std::invalid_argument when min/max do
  // not fall in the first/last bucket or the precision is unsupported.
  static Histogram FromBuckets(
      int precision_bits,
      const std::vector<std::pair<int64_t, uint64_t>>& buckets, int64_t min,
      int64_t max, double sum);

 private:
  int BucketIndex(int64_t value) const noexcept;
  int64_t BucketValue(int index) const noexcept;

  int precision_bits_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  // INT64_MAX while empty, so Record() needs no "first value" branch.
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  double sum_ = 0;
};

// Record() is inline so that the hot path of every worker is a handful of
// instructions: one count-leading-zeros, two shifts and four adds.
inline int Histogram::BucketIndex(int64_t value) const noexcept {
  // Values below 2^precision are their own bucket; above, the bucket of a
  // value keeps its top precision+1 bits. OR-ing in 2^precision makes both
  // cases one formula: shift = 0 for small values.
  const uint64_t unsigned_value = static_cast<uint64_t>(value);
  const int shift =
      63 - std::countl_zero(unsigned_value | (uint64_t{1} << precision_bits_)) -
      precision_bits_;
  return static_cast<int>((static_cast<uint64_t>(shift) << precision_bits_) +
                          (unsigned_value >> shift));
}

inline void Histogram::RecordMultiple(int64_t value, uint64_t count) noexcept {
  if (count == 0) return;
  value = std::max<int64_t>(value, 0);
  counts_[BucketIndex(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value) * static_cast<double>(count);
}

}  // namespace loadgate

#endif  // LOADGATE_HISTOGRAM_H_
