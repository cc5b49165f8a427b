#include "loadgate/histogram.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace loadgate {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The nearest-rank percentile of sorted values, the definition Percentile()
// promises.
int64_t ExactPercentile(const std::vector<int64_t>& sorted, double percentile) {
  const auto rank = static_cast<size_t>(
      std::ceil(percentile / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void ExpectWithinRelativeError(int64_t reported, int64_t exact, double bound) {
  const double error = std::abs(static_cast<double>(reported - exact));
  EXPECT_LE(error, bound * static_cast<double>(exact))
      << "reported " << reported << " for exact " << exact;
}

constexpr double kPercentiles[] = {0,  1,  10, 25,   50,    66, 75,
                                   90, 95, 99, 99.9, 99.99, 100};

TEST(HistogramTest, PercentilesStayWithinOnePercentOfExactOnes) {
  std::mt19937_64 random(42);
  // Log-uniform over 1 us .. 100 s, like latencies of very different services.
  std::uniform_real_distribution<double> exponent(3, 11);
  Histogram histogram;
  std::vector<int64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    const auto value = static_cast<int64_t>(std::pow(10.0, exponent(random)));
    values.push_back(value);
    histogram.Record(value);
  }
  std::sort(values.begin(), values.end());
  for (double p : kPercentiles) {
    SCOPED_TRACE(p);
    ExpectWithinRelativeError(histogram.Percentile(p),
                              ExactPercentile(values, p), 0.01);
  }
  EXPECT_EQ(histogram.min(), values.front());
  EXPECT_EQ(histogram.max(), values.back());
  EXPECT_EQ(histogram.count(), values.size());
}

TEST(HistogramTest, ErrorBoundShrinksWithPrecision) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> uniform(1, int64_t{1} << 40);
  for (int bits : {4, 7, 10}) {
    SCOPED_TRACE(bits);
    Histogram histogram(bits);
    std::vector<int64_t> values;
    for (int i = 0; i < 20'000; ++i) {
      values.push_back(uniform(random));
      histogram.Record(values.back());
    }
    std::sort(values.begin(), values.end());
    for (double p : kPercentiles) {
      ExpectWithinRelativeError(histogram.Percentile(p),
                                ExactPercentile(values, p),
                                std::ldexp(1.0, -bits));
    }
  }
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram histogram;
  for (int64_t value = 0; value < 256; ++value) histogram.Record(value);
  EXPECT_EQ(histogram.Percentile(50), 127);
  EXPECT_EQ(histogram.Percentile(100), 255);
  EXPECT_EQ(histogram.NonEmptyBuckets().size(), 256u);
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 random(3);
  std::lognormal_distribution<double> latency(16, 1.5);  // ~ 9 ms median
  Histogram all, first, second;
  for (int i = 0; i < 50'000; ++i) {
    const auto value = static_cast<int64_t>(latency(random));
    all.Record(value);
    (i % 3 == 0 ? first : second).Record(value);
  }
  first.Merge(second);
  EXPECT_EQ(first.count(), all.count());
  EXPECT_EQ(first.min(), all.min());
  EXPECT_EQ(first.max(), all.max());
  EXPECT_DOUBLE_EQ(first.mean(), all.mean());
  EXPECT_EQ(first.NonEmptyBuckets(), all.NonEmptyBuckets());
  for (double p : kPercentiles)
    EXPECT_EQ(first.Percentile(p), all.Percentile(p));
}

TEST(HistogramTest, MergeIntoEmptyAndOfEmpty) {
  Histogram empty, one;
  one.Record(1000);
  Histogram target;
  target.Merge(empty);
  EXPECT_TRUE(target.empty());
  EXPECT_EQ(target.min(), 0);
  target.Merge(one);
  EXPECT_EQ(target.min(), 1000);
  EXPECT_EQ(target.max(), 1000);
}

TEST(HistogramTest, MergeRejectsDifferentPrecision) {
  Histogram coarse(4), fine(7);
  EXPECT_THROW(fine.Merge(coarse), std::invalid_argument);
}

TEST(HistogramTest, RejectsUnsupportedPrecision) {
  EXPECT_THROW(Histogram(0), std::invalid_argument);
  EXPECT_THROW(Histogram(15), std::invalid_argument);
}

TEST(HistogramTest, EmptyReportsZeros) {
  Histogram histogram;
  EXPECT_TRUE(histogram.empty());
  EXPECT_EQ(histogram.Percentile(50), 0);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), 0);
  EXPECT_EQ(histogram.mean(), 0);
  EXPECT_TRUE(histogram.NonEmptyBuckets().empty());
}

TEST(HistogramTest, OneValueIsEveryPercentile) {
  Histogram histogram;
  histogram.Record(123'456'789);
  for (double p : kPercentiles) EXPECT_EQ(histogram.Percentile(p), 123'456'789);
  EXPECT_DOUBLE_EQ(histogram.mean(), 123'456'789);
}

TEST(HistogramTest, ZeroAndNegativeValuesCountAsZero) {
  Histogram histogram;
  histogram.Record(0);
  histogram.Record(-5);
  histogram.RecordMultiple(-1, 3);
  EXPECT_EQ(histogram.count(), 5u);
  EXPECT_EQ(histogram.max(), 0);
  EXPECT_EQ(histogram.Percentile(100), 0);
}

TEST(HistogramTest, RecordMultipleWithZeroCountChangesNothing) {
  Histogram histogram;
  histogram.RecordMultiple(500, 0);
  EXPECT_TRUE(histogram.empty());
  EXPECT_EQ(histogram.max(), 0);
}

TEST(HistogramTest, HugeValuesDoNotOverflow) {
  Histogram histogram;
  const int64_t two_to_40 = int64_t{1} << 40;
  histogram.Record(two_to_40);
  histogram.Record(INT64_MAX);
  histogram.Record(INT64_MAX - 1);
  EXPECT_EQ(histogram.count(), 3u);
  EXPECT_EQ(histogram.min(), two_to_40);
  EXPECT_EQ(histogram.max(), INT64_MAX);
  ExpectWithinRelativeError(histogram.Percentile(1), two_to_40, 0.01);
  EXPECT_EQ(histogram.Percentile(100), INT64_MAX);
  const auto buckets = histogram.NonEmptyBuckets();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_GT(buckets.back().first, INT64_MAX / 2);
}

// Every int64 has a bucket: 2^bits sub-buckets for each of the 64 - bits
// magnitudes above the linear range (57 * 128 at the default 7 bits), one
// uint64_t each.
TEST(HistogramTest, BucketBytesCoverEveryInt64) {
  EXPECT_EQ(Histogram::BucketBytes(7), 57u * 128 * 8);
  EXPECT_EQ(Histogram::BucketBytes(14), 50u * 16384 * 8);
}

TEST(HistogramTest, PercentileIsNearestRank) {
  Histogram histogram;
  for (int64_t value : {10, 20, 30, 40}) histogram.Record(value);
  EXPECT_EQ(histogram.Percentile(25), 10);
  EXPECT_EQ(histogram.Percentile(25.1), 20);
  EXPECT_EQ(histogram.Percentile(50), 20);
  EXPECT_EQ(histogram.Percentile(75), 30);
  EXPECT_EQ(histogram.Percentile(76), 40);
  EXPECT_EQ(histogram.Percentile(-3), 10);
  EXPECT_EQ(histogram.Percentile(250), 40);
}

TEST(HistogramTest, NonEmptyBucketsRoundTrip) {
  std::mt19937_64 random(11);
  std::exponential_distribution<double> latency(1e-7);
  Histogram original;
  for (int i = 0; i < 10'000; ++i) {
    original.Record(static_cast<int64_t>(latency(random)));
  }
  Histogram rebuilt;
  for (const auto& [value, count] : original.NonEmptyBuckets()) {
    rebuilt.RecordMultiple(value, count);
  }
  EXPECT_EQ(rebuilt.NonEmptyBuckets(), original.NonEmptyBuckets());
  EXPECT_EQ(rebuilt.count(), original.count());
  for (double p : {1.0, 50.0, 90.0, 99.0}) {
    EXPECT_EQ(rebuilt.Percentile(p), original.Percentile(p));
  }
}

TEST(HistogramTest, FromBucketsRestoresMinMaxAndMeanExactly) {
  Histogram original;
  for (int64_t value : {1'234'567, 2'345'678, 98'765'432}) {
    original.Record(value);
  }
  const Histogram restored = Histogram::FromBuckets(
      original.precision_bits(), original.NonEmptyBuckets(), original.min(),
      original.max(), original.sum());
  EXPECT_EQ(restored.min(), 1'234'567);
  EXPECT_EQ(restored.max(), 98'765'432);
  EXPECT_DOUBLE_EQ(restored.mean(), original.mean());
  for (double p : kPercentiles) {
    EXPECT_EQ(restored.Percentile(p), original.Percentile(p));
  }
}

TEST(HistogramTest, FromBucketsRejectsMinOutsideTheFirstBucket) {
  Histogram original;
  original.Record(1'000'000);
  EXPECT_THROW(
      Histogram::FromBuckets(7, original.NonEmptyBuckets(), 10, 1'000'000, 1e6),
      std::invalid_argument);
}

TEST(HistogramTest, ResetEmpties) {
  Histogram histogram;
  histogram.Record(77);
  histogram.Reset();
  EXPECT_TRUE(histogram.empty());
  histogram.Record(5);
  EXPECT_EQ(histogram.min(), 5);
  EXPECT_THAT(histogram.NonEmptyBuckets(), ElementsAre(Pair(5, 1u)));
}

}  // namespace
}  // namespace loadgate
