#include "loadgate/format.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>

namespace loadgate {
namespace {

using namespace std::chrono_literals;

TEST(FormatNumberTest, DropsTrailingZerosAndThePoint) {
  EXPECT_EQ(FormatNumber(3000), "3000");
  EXPECT_EQ(FormatNumber(0.25), "0.25");
  EXPECT_EQ(FormatNumber(2.5, 1), "2.5");
  EXPECT_EQ(FormatNumber(0.1234567), "0.123");
  EXPECT_EQ(FormatNumber(0.0004), "0");
  EXPECT_EQ(FormatNumber(99.9996), "100");
}

TEST(FormatNumberTest, NeverUsesExponentNotation) {
  // A 20-minute stage in ms once printed as "1.2e+06".
  EXPECT_EQ(FormatNumber(1.2e6), "1200000");
  EXPECT_EQ(FormatNumber(1e20), "100000000000000000000");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::max()).size(), 309u);
}

TEST(FormatNumberTest, WritesNegativeZeroAsZeroAndNamesNonFiniteValues) {
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(-0.0001), "0");
  EXPECT_EQ(FormatNumber(-2.5), "-2.5");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(FormatExactTest, ReadsBackAsTheSameDoubleWithoutExponent) {
  EXPECT_EQ(FormatExact(0.1), "0.1");
  EXPECT_EQ(FormatExact(99.9), "99.9");
  EXPECT_EQ(FormatExact(1e-7), "0.0000001");
  EXPECT_EQ(FormatExact(2.5e6), "2500000");
  for (double value : {0.1 + 0.2, 1.0 / 3, 2.159, 1e-9, 123456.789}) {
    EXPECT_EQ(std::stod(FormatExact(value)), value) << FormatExact(value);
  }
}

TEST(FormatFixedTest, KeepsEveryDecimal) {
  EXPECT_EQ(FormatFixed(12.5, 2), "12.50");
  EXPECT_EQ(FormatFixed(3, 0), "3");
  EXPECT_EQ(FormatFixed(-0.001, 2), "0.00");
  EXPECT_EQ(FormatFixed(1.25e7, 1), "12500000.0");
}

TEST(FormatMillisecondsTest, TrimsTrailingZeros) {
  EXPECT_EQ(FormatMilliseconds(3s), "3000 ms");
  EXPECT_EQ(FormatMilliseconds(3412500us), "3412.5 ms");
  EXPECT_EQ(FormatMilliseconds(250us), "0.25 ms");
  EXPECT_EQ(FormatMilliseconds(0ns), "0 ms");
  EXPECT_EQ(FormatMilliseconds(1.0), "0 ms");
  EXPECT_EQ(FormatMilliseconds(1234.0), "0.001 ms");
  EXPECT_EQ(FormatMilliseconds(20min), "1200000 ms");
}

TEST(FormatDurationTest, UsesMillisecondsBelowASecondAndSecondsFromThere) {
  EXPECT_EQ(FormatDuration(250ms), "250 ms");
  EXPECT_EQ(FormatDuration(999500us), "999.5 ms");
  EXPECT_EQ(FormatDuration(1s), "1 s");
  EXPECT_EQ(FormatDuration(1500ms), "1.5 s");
  EXPECT_EQ(FormatDuration(90s), "90 s");
}

TEST(FormatPercentTest, ReadsAFractionAsAPercentage) {
  EXPECT_EQ(FormatPercent(0.01), "1 %");
  EXPECT_EQ(FormatPercent(0.0025), "0.25 %");
  EXPECT_EQ(FormatPercent(0.123456, 1), "12.3 %");
  EXPECT_EQ(FormatPercent(1), "100 %");
}

TEST(FormatUsdTest, KeepsMoreDecimalsForSmallAmounts) {
  EXPECT_EQ(FormatUsd(12.5), "$12.50");
  EXPECT_EQ(FormatUsd(0.029), "$0.0290");
  EXPECT_EQ(FormatUsd(0.000125), "$0.000125");
  EXPECT_EQ(FormatUsd(0), "$0.000000");
}

}  // namespace
}  // namespace loadgate
