#include "loadgate/histogram.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace loadgate {
namespace {

constexpr int kMinPrecisionBits = 1;
constexpr int kMaxPrecisionBits = 14;

void CheckPrecision(int precision_bits) {
  if (precision_bits < kMinPrecisionBits ||
      precision_bits > kMaxPrecisionBits) {
    throw std::invalid_argument("Histogram precision_bits must be in [" +
                                std::to_string(kMinPrecisionBits) + ", " +
                                std::to_string(kMaxPrecisionBits) + "], got " +
                                std::to_string(precision_bits));
  }
}

// Buckets needed to cover every non-negative int64: the largest value has its
// top bit at position 62, hence shift 62 - precision, and each shift adds
// 2^precision buckets on top of the 2^(precision+1) of shift 0.
size_t BucketCount(int precision_bits) {
  return static_cast<size_t>(64 - precision_bits) << precision_bits;
}

}  // namespace

size_t Histogram::BucketBytes(int precision_bits) noexcept {
  return BucketCount(precision_bits) * sizeof(uint64_t);
}

Histogram::Histogram(int precision_bits) : precision_bits_(precision_bits) {
  CheckPrecision(precision_bits);
  counts_.assign(BucketCount(precision_bits), 0);
}

void Histogram::Merge(const Histogram& other) {
  if (other.precision_bits_ != precision_bits_) {
    throw std::invalid_argument(
        "cannot merge histograms of different precision (" +
        std::to_string(precision_bits_) + " and " +
        std::to_string(other.precision_bits_) + " bits)");
  }
  if (other.empty()) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::Reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
}

int64_t Histogram::min() const noexcept { return empty() ? 0 : min_; }
int64_t Histogram::max() const noexcept { return max_; }
double Histogram::mean() const noexcept {
  return empty() ? 0 : sum_ / static_cast<double>(count_);
}

// The middle of the bucket, which halves the worst-case relative error
// compared with its lower bound.
int64_t Histogram::BucketValue(int index) const noexcept {
  const int sub_buckets = 1 << precision_bits_;
  if (index < 2 * sub_buckets) return index;  // exact, width 1
  const int shift = (index >> precision_bits_) - 1;
  const int64_t top_bits = sub_buckets + (index & (sub_buckets - 1));
  const int64_t lower = top_bits << shift;
  return lower + ((int64_t{1} << shift) >> 1);
}

int64_t Histogram::Percentile(double percentile) const noexcept {
  if (empty()) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // Nearest rank: the smallest value with at least p % of samples at or
  // below it.
  const double exact_rank =
      std::ceil(percentile / 100.0 * static_cast<double>(count_));
  const uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(exact_rank),
                                             uint64_t{1}, count_);
  // The extremes are known exactly; buckets would only approximate them.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(BucketValue(static_cast<int>(i)), min_, max_);
    }
  }
  return max_;
}

std::vector<std::pair<int64_t, uint64_t>> Histogram::NonEmptyBuckets() const {
  std::vector<std::pair<int64_t, uint64_t>> buckets;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) {
      buckets.emplace_back(BucketValue(static_cast<int>(i)), counts_[i]);
    }
  }
  return buckets;
}

Histogram Histogram::FromBuckets(
    int precision_bits,
    const std::vector<std::pair<int64_t, uint64_t>>& buckets, int64_t min,
    int64_t max, double sum) {
  Histogram histogram(precision_bits);
  for (const auto& [value, count] : buckets) {
    histogram.RecordMultiple(value, count);
  }
  if (histogram.empty()) return histogram;
  if (min > max || min < 0 ||
      histogram.BucketIndex(min) != histogram.BucketIndex(histogram.min_) ||
      histogram.BucketIndex(max) != histogram.BucketIndex(histogram.max_)) {
    throw std::invalid_argument("histogram min " + std::to_string(min) +
                                " / max " + std::to_string(max) +
                                " do not match its first/last bucket");
  }
  histogram.min_ = min;
  histogram.max_ = max;
  histogram.sum_ = sum;
  return histogram;
}

}  // namespace loadgate
