// Accuracy of the pure scheduling functions: when open-model arrivals are
// due and how closed-model think times are distributed.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "engine/schedule.h"

namespace loadgate::engine {
namespace {

using namespace std::chrono_literals;

TEST(ArrivalScheduleTest, ConstantRatePutsArrivalKAtKOverRate) {
  const ArrivalSchedule schedule(OpenModel{.rate = 1000});
  for (int k : {0, 1, 2, 999, 1000, 123456}) {
    EXPECT_EQ(schedule.TimeOfArrivalNs(k), int64_t{k} * 1'000'000) << k;
  }
  EXPECT_DOUBLE_EQ(schedule.ArrivalsBy(2.5), 2500);
  EXPECT_DOUBLE_EQ(schedule.RateAt(7), 1000);
}

TEST(ArrivalScheduleTest, LinearRampInvertsTheQuadraticIntegral) {
  // 0 -> 100/s over 10 s: A(t) = 5 t^2, so arrival n is at sqrt(n / 5).
  const ArrivalSchedule schedule(OpenModel{.rate = 0, .stages = {{10s, 100}}});
  for (double n : {1.0, 5.0, 20.0, 125.0, 499.0, 500.0}) {
    EXPECT_NEAR(schedule.TimeOfArrival(n), std::sqrt(n / 5), 1e-9) << n;
  }
  // After the last stage the final rate holds: 500 by 10 s, then 100/s.
  EXPECT_NEAR(schedule.TimeOfArrival(600), 11.0, 1e-9);
  EXPECT_DOUBLE_EQ(schedule.RateAt(5), 50);
  EXPECT_DOUBLE_EQ(schedule.RateAt(20), 100);
}

TEST(ArrivalScheduleTest, SeveralStagesRoundTripThroughTheIntegral) {
  // Up, hold, down, and a pause at zero before resuming.
  const ArrivalSchedule schedule(OpenModel{
      .rate = 10,
      .stages = {{2s, 50}, {3s, 50}, {1s, 5}, {1s, 0}, {1s, 0}, {2s, 40}}});
  EXPECT_DOUBLE_EQ(schedule.peak_rate(), 50);
  // A(t) at the stage ends: 60, 210, 237.5, 240, 240, 280.
  EXPECT_NEAR(schedule.ArrivalsBy(2), 60, 1e-9);
  EXPECT_NEAR(schedule.ArrivalsBy(5), 210, 1e-9);
  EXPECT_NEAR(schedule.ArrivalsBy(6), 237.5, 1e-9);
  EXPECT_NEAR(schedule.ArrivalsBy(8), 240, 1e-9);
  EXPECT_NEAR(schedule.ArrivalsBy(10), 280, 1e-9);
  // Off the stage boundaries (where A's flat spots make the inverse
  // ill-conditioned), t -> A(t) -> t is the identity, except in the
  // zero-rate pause from 7 to 8 s, where the inverse is the pause's start.
  for (int i = 0; i < 1200; ++i) {
    const double t = i * 0.01 + 0.005;
    const double back = schedule.TimeOfArrival(schedule.ArrivalsBy(t));
    EXPECT_NEAR(back, t > 7 && t < 8 ? 7 : t, 1e-6) << t;
  }
  EXPECT_DOUBLE_EQ(schedule.TimeOfArrival(240), 7);
  // At 8 s the rate climbs 0 -> 40 over 2 s: A = 240 + 10 x^2.
  EXPECT_NEAR(schedule.TimeOfArrival(240.1), 8.1, 1e-9);
}

TEST(ArrivalScheduleTest, RateFallingToZeroForGoodEndsArrivals) {
  const ArrivalSchedule schedule(OpenModel{.rate = 10, .stages = {{1s, 0}}});
  EXPECT_NEAR(schedule.TimeOfArrival(4), 1 - std::sqrt(0.2), 1e-9);
  EXPECT_EQ(schedule.TimeOfArrivalNs(5.0001), kNever);
}

TEST(ArrivalStreamTest, ConstantArrivalsAlternateOverWorkers) {
  const ArrivalSchedule schedule(OpenModel{.rate = 100});
  ArrivalStream first(schedule, OpenModel::Arrivals::kConstant, {0, 3}, 1);
  ArrivalStream third(schedule, OpenModel::Arrivals::kConstant, {2, 3}, 1);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(first.next_ns(), int64_t{3 * i} * 10'000'000);
    EXPECT_EQ(third.next_ns(), int64_t{3 * i + 2} * 10'000'000);
    first.Advance();
    third.Advance();
  }
}

// Poisson arrivals: exponential inter-arrival times, so mean = 1 / rate and
// variance = 1 / rate^2 (coefficient of variation 1), and counts per
// interval with mean = variance. Two workers' lanes together must be the
// Poisson stream at the full rate.
TEST(ArrivalStreamTest, PoissonArrivalsHaveExponentialGaps) {
  constexpr double kRate = 1000;
  constexpr int kWorkers = 2;
  const ArrivalSchedule schedule(OpenModel{.rate = kRate});
  std::vector<int64_t> times;
  for (int w = 0; w < kWorkers; ++w) {
    ArrivalStream stream(schedule, OpenModel::Arrivals::kPoisson,
                         {static_cast<uint64_t>(w), kWorkers}, 1234);
    while (stream.next_ns() < 100'000'000'000) {  // 100 s
      times.push_back(stream.next_ns());
      stream.Advance();
    }
  }
  std::sort(times.begin(), times.end());
  // ~100000 arrivals; 5 standard errors of the count is ~1600.
  EXPECT_NEAR(static_cast<double>(times.size()), 100'000, 1600);
  double sum = 0, sum_squares = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    const double gap = (times[i] - times[i - 1]) * 1e-9;
    sum += gap;
    sum_squares += gap * gap;
  }
  const double n = static_cast<double>(times.size() - 1);
  const double mean = sum / n;
  const double variance = sum_squares / n - mean * mean;
  EXPECT_NEAR(mean, 1 / kRate, 0.02 / kRate);
  EXPECT_NEAR(variance, 1 / (kRate * kRate), 0.05 / (kRate * kRate));
  // Counts per 100 ms window: mean 100, variance 100 (index of dispersion 1).
  std::vector<int> counts(1000, 0);
  for (int64_t t : times) ++counts[t / 100'000'000];
  double count_sum = 0, count_squares = 0;
  for (int c : counts) {
    count_sum += c;
    count_squares += static_cast<double>(c) * c;
  }
  const double count_mean = count_sum / counts.size();
  const double dispersion =
      (count_squares / counts.size() - count_mean * count_mean) / count_mean;
  EXPECT_NEAR(dispersion, 1.0, 0.15);
}

TEST(ArrivalStreamTest, PoissonIsReproducibleFromTheSeed) {
  const ArrivalSchedule schedule(OpenModel{.rate = 50});
  ArrivalStream a(schedule, OpenModel::Arrivals::kPoisson, {0, 1}, 99);
  ArrivalStream b(schedule, OpenModel::Arrivals::kPoisson, {0, 1}, 99);
  ArrivalStream c(schedule, OpenModel::Arrivals::kPoisson, {0, 1}, 100);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.next_ns(), b.next_ns());
    differs = differs || a.next_ns() != c.next_ns();
    a.Advance();
    b.Advance();
    c.Advance();
  }
  EXPECT_TRUE(differs);
}

TEST(ArrivalStreamTest, PoissonFollowsARamp) {
  // 0 -> 2000/s over 10 s: 10000 arrivals expected, 5000 in the first 7.07 s.
  const ArrivalSchedule schedule(OpenModel{.rate = 0, .stages = {{10s, 2000}}});
  ArrivalStream stream(schedule, OpenModel::Arrivals::kPoisson, {0, 1}, 7);
  int total = 0, early = 0;
  while (stream.next_ns() < 10'000'000'000) {
    ++total;
    if (stream.next_ns() < std::llround(std::sqrt(0.5) * 1e10)) ++early;
    stream.Advance();
  }
  EXPECT_NEAR(total, 10000, 500);  // 5 standard errors
  EXPECT_NEAR(early, 5000, 360);
}

struct Moments {
  double mean = 0, stddev = 0;
  int64_t min = INT64_MAX, max = INT64_MIN;
};

Moments Sample(const ThinkTime& think, int n) {
  Rng rng(42);
  Moments m;
  double sum = 0, squares = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t value = SampleThinkTimeNs(think, rng);
    sum += value;
    squares += static_cast<double>(value) * value;
    m.min = std::min(m.min, value);
    m.max = std::max(m.max, value);
  }
  m.mean = sum / n;
  m.stddev = std::sqrt(squares / n - m.mean * m.mean);
  return m;
}

TEST(ThinkTimeTest, NoneAndConstant) {
  Rng rng(1);
  EXPECT_EQ(SampleThinkTimeNs(ThinkTime::None(), rng), 0);
  EXPECT_EQ(SampleThinkTimeNs(ThinkTime::Constant(250ms), rng), 250'000'000);
}

TEST(ThinkTimeTest, UniformCoversItsRangeEvenly) {
  const Moments m = Sample(ThinkTime::Uniform(1s, 3s), 100'000);
  EXPECT_GE(m.min, 1'000'000'000);
  EXPECT_LE(m.max, 3'000'000'000);
  EXPECT_NEAR(m.mean, 2e9, 0.01e9);
  EXPECT_NEAR(m.stddev, 2e9 / std::sqrt(12.0), 0.01e9);  // (b - a) / sqrt 12
  EXPECT_LT(m.min, 1'010'000'000);
  EXPECT_GT(m.max, 2'990'000'000);
}

TEST(ThinkTimeTest, GaussianHasItsMomentsAndStaysClamped) {
  const Moments wide = Sample(ThinkTime::Gaussian(1s, 100ms, 0s, 10s), 100'000);
  EXPECT_NEAR(wide.mean, 1e9, 0.002e9);
  EXPECT_NEAR(wide.stddev, 1e8, 0.002e9);
  const Moments clamped =
      Sample(ThinkTime::Gaussian(1s, 500ms, 800ms, 1200ms), 100'000);
  EXPECT_EQ(clamped.min, 800'000'000);
  EXPECT_EQ(clamped.max, 1'200'000'000);
}

TEST(ThinkTimeTest, ExponentialHasMeanEqualToStddevAndHonoursMax) {
  const Moments m = Sample(ThinkTime::Exponential(200ms), 200'000);
  EXPECT_NEAR(m.mean, 2e8, 0.005e9);
  EXPECT_NEAR(m.stddev, 2e8, 0.005e9);
  EXPECT_GE(m.min, 0);
  const Moments capped = Sample(ThinkTime::Exponential(200ms, 300ms), 100'000);
  EXPECT_EQ(capped.max, 300'000'000);
  // P(X > 300 ms) = e^-1.5 of the mass sits at the cap, pulling the mean to
  // 200 ms * (1 - e^-1.5).
  EXPECT_NEAR(capped.mean, 2e8 * (1 - std::exp(-1.5)), 0.004e9);
}

}  // namespace
}  // namespace loadgate::engine
