// The latency model: sampled delays and lengths follow the configured
// distributions, overrides win, and the capacity model slows requests down
// past the knee.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "mock_llm/config.h"
#include "mock_llm/plan.h"
#include "mock_llm/random.h"

namespace loadgate::services::mock_llm {
namespace {

struct Moments {
  double mean = 0;
  double stddev = 0;
  double min = 1e300;
  double max = -1e300;
};

Moments Measure(const std::vector<double>& samples) {
  Moments m;
  for (double x : samples) {
    m.mean += x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean /= samples.size();
  for (double x : samples) m.stddev += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(m.stddev / (samples.size() - 1));
  return m;
}

std::vector<double> SampleTtft(const Config& config, int n, uint64_t seed) {
  Rng timing(seed);
  Rng content(seed + 1);
  std::vector<double> samples;
  for (int i = 0; i < n; ++i) {
    samples.push_back(MakePlan(config, {}, 1, -1, -1, timing, content).ttft_ms);
  }
  return samples;
}

// Fraction of samples at or below x.
double EmpiricalCdf(const std::vector<double>& sorted, double x) {
  return static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) -
                             sorted.begin()) /
         sorted.size();
}

TEST(MockLlmLatencyTest, ConstantIsExact) {
  Config config;
  config.ttft_ms = Distribution::Constant(250);
  for (double x : SampleTtft(config, 100, 1)) EXPECT_EQ(x, 250);
}

TEST(MockLlmLatencyTest, UniformMatchesItsCdf) {
  Config config;
  config.ttft_ms = Distribution::Uniform(100, 300);
  std::vector<double> samples = SampleTtft(config, 20000, 2);
  std::sort(samples.begin(), samples.end());
  EXPECT_GE(samples.front(), 100);
  EXPECT_LT(samples.back(), 300);
  // Kolmogorov-Smirnov distance against the uniform CDF; the 99.9 % critical
  // value for n = 20000 is about 0.0138.
  double distance = 0;
  for (double x = 100; x <= 300; x += 1) {
    distance = std::max(distance,
                        std::abs(EmpiricalCdf(samples, x) - (x - 100) / 200));
  }
  EXPECT_LT(distance, 0.0138);
}

TEST(MockLlmLatencyTest, GaussianHasItsMeanAndStddevWithinTheClamp) {
  Config config;
  config.ttft_ms = Distribution::Gaussian(1000, 100, 0, 1e9);
  const Moments wide = Measure(SampleTtft(config, 20000, 3));
  // Standard error of the mean is 100 / sqrt(20000) = 0.7 ms.
  EXPECT_NEAR(wide.mean, 1000, 4);
  EXPECT_NEAR(wide.stddev, 100, 3);

  // The default model: mean 1000, sd 300, clamped to [500, 2000].
  const Moments clamped = Measure(SampleTtft(Config{}, 20000, 4));
  EXPECT_GE(clamped.min, 500);
  EXPECT_LE(clamped.max, 2000);
  EXPECT_EQ(clamped.min, 500);  // the clamp is reached (p = 5 % per draw)
  EXPECT_NEAR(clamped.mean, 1000, 15);
}

TEST(MockLlmLatencyTest, OutputLengthFollowsItsDistributionAndMaxTokens) {
  Config config;
  config.output_tokens = Distribution::Uniform(10, 20);
  Rng timing(5);
  Rng content(6);
  std::vector<double> lengths;
  for (int i = 0; i < 5000; ++i) {
    const Plan plan = MakePlan(config, {}, 1, -1, -1, timing, content);
    lengths.push_back(plan.output_tokens);
    EXPECT_FALSE(plan.hit_limit);
  }
  const Moments m = Measure(lengths);
  EXPECT_EQ(m.min, 10);
  EXPECT_EQ(m.max, 20);
  EXPECT_NEAR(m.mean, 15, 0.3);

  const Plan cut = MakePlan(config, {}, 1, -1, 5, timing, content);
  EXPECT_EQ(cut.output_tokens, 5);
  EXPECT_TRUE(cut.hit_limit);
  // Echo and canned texts have their own length.
  const Plan echo = MakePlan(config, {}, 1, 3, -1, timing, content);
  EXPECT_EQ(echo.output_tokens, 3);
}

TEST(MockLlmLatencyTest, OverridesAndTokensPerSecond) {
  Config config;
  config.tokens_per_second = 40;
  config.tokens_per_chunk = 3;
  RequestOverrides overrides;
  overrides.ttft_ms = 7;
  overrides.output_tokens = 10;
  Rng timing(7);
  Rng content(8);
  const Plan plan = MakePlan(config, overrides, 1, -1, -1, timing, content);
  EXPECT_EQ(plan.ttft_ms, 7);
  EXPECT_EQ(plan.itl_ms, 25);
  EXPECT_EQ(plan.chunks, 4);  // 3 + 3 + 3 + 1
  EXPECT_DOUBLE_EQ(plan.ChunkOffsetMs(0), 7);
  EXPECT_DOUBLE_EQ(plan.ChunkOffsetMs(2), 7 + 2 * 3 * 25);
  EXPECT_THAT(plan.Describe(),
              testing::HasSubstr("ttft_ms=7.000;itl_ms=25.000;tokens=10;"
                                 "tokens_per_chunk=3;chunks=4"));
}

TEST(MockLlmLatencyTest, CapacityModelSlowsDownPastTheKnee) {
  Config config;
  config.ttft_ms = Distribution::Constant(100);
  config.itl_ms = 10;
  config.capacity = 50;
  Rng timing(9);
  Rng content(10);
  for (int64_t in_flight : {1, 25, 50}) {
    const Plan plan = MakePlan(config, {}, in_flight, -1, -1, timing, content);
    EXPECT_EQ(plan.slowdown, 1) << in_flight;
    EXPECT_EQ(plan.ttft_ms, 100);
  }
  const Plan double_load = MakePlan(config, {}, 100, -1, -1, timing, content);
  EXPECT_DOUBLE_EQ(double_load.slowdown, 2);
  EXPECT_DOUBLE_EQ(double_load.ttft_ms, 200);
  EXPECT_DOUBLE_EQ(double_load.itl_ms, 20);
  config.capacity_exponent = 2;
  EXPECT_DOUBLE_EQ(MakePlan(config, {}, 100, -1, -1, timing, content).slowdown,
                   4);
}

TEST(MockLlmLatencyTest, FaultsAreDrawnWithTheirProbability) {
  Config config;
  config.FaultProbability(Fault::kServerError) = 0.1;
  config.FaultProbability(Fault::kHang) = 0.05;
  Rng timing(11);
  Rng content(12);
  int server_errors = 0;
  int hangs = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const Fault fault = MakePlan(config, {}, 1, -1, -1, timing, content).fault;
    server_errors += fault == Fault::kServerError;
    hangs += fault == Fault::kHang;
  }
  // Binomial standard deviations: 42 and 29 (hang draws follow a miss of
  // the server-error draw: 0.9 * 0.05).
  EXPECT_NEAR(server_errors, 2000, 200);
  EXPECT_NEAR(hangs, 900, 150);
}

TEST(MockLlmLatencyTest, MidStreamFaultsStrikeWhereConfigured) {
  Config config;
  config.output_tokens = Distribution::Constant(11);
  RequestOverrides overrides;
  overrides.fault = Fault::kDisconnect;
  Rng timing(13);
  Rng content(14);
  EXPECT_EQ(MakePlan(config, overrides, 1, -1, -1, timing, content).fault_chunk,
            5);
  overrides.fault_after_chunks = 2;
  EXPECT_EQ(MakePlan(config, overrides, 1, -1, -1, timing, content).fault_chunk,
            2);
  overrides.fault_after_chunks = 99;
  EXPECT_EQ(MakePlan(config, overrides, 1, -1, -1, timing, content).fault_chunk,
            10);
}

TEST(MockLlmLatencyTest, ParsesOverrideHeaders) {
  auto headers = [](std::map<std::string, std::string> values) {
    return [values](const char* name) -> const char* {
      auto it = values.find(name);
      return it == values.end() ? nullptr : it->second.c_str();
    };
  };
  RequestOverrides overrides;
  const Status parsed =
      ParseOverrides(headers({{"x-mock-llm-ttft-ms", "12.5"},
                              {"x-mock-llm-fault", "hang"},
                              {"x-mock-llm-tokens", "3"},
                              {"x-mock-llm-content", "echo"}}),
                     &overrides);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(overrides.ttft_ms, 12.5);
  EXPECT_EQ(overrides.fault, Fault::kHang);
  EXPECT_EQ(overrides.output_tokens, 3);
  EXPECT_EQ(overrides.content, ContentMode::kEcho);

  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"x-mock-llm-ttft-ms", "soon"},
           {"x-mock-llm-ttft-ms", "-1"},
           {"x-mock-llm-fault", "explode"},
           {"x-mock-llm-tokens", "1.5"},
           {"x-mock-llm-sse-crlf", "maybe"}}) {
    RequestOverrides bad;
    const Status refused = ParseOverrides(headers({{name, value}}), &bad);
    EXPECT_FALSE(refused.ok()) << name << ": " << value;
    EXPECT_THAT(refused.message(), testing::HasSubstr(name));
  }
}

}  // namespace
}  // namespace loadgate::services::mock_llm
