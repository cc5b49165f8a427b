#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "loadgate/slo.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::DescribeMatcher;
using ::testing::Ge;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Lt;
using ::testing::Not;
using ::testing::StartsWith;

// Built once: every test reads the same sample run.
const RunReport& Report() {
  static const RunReport report = test_support::SampleReport();
  return report;
}

std::string Explain(const RunReportMatcher& matcher) {
  testing::StringMatchResultListener listener;
  matcher.MatchAndExplain(Report(), &listener);
  return listener.str();
}

TEST(DurationPrinterTest, PrintsDurationsInMilliseconds) {
  EXPECT_EQ(testing::PrintToString(3s), "3000 ms");
  EXPECT_EQ(testing::PrintToString(1500us), "1.5 ms");
  EXPECT_EQ(testing::PrintToString(std::chrono::duration<double>(0.25)),
            "250 ms");
}

TEST(LatencyPercentileTest, PassesAndFailsOnTheObservedPercentile) {
  EXPECT_THAT(Report(), LatencyPercentile(95, Lt(3s)));
  EXPECT_THAT(Report(), LatencyPercentile(50, Le(501ms)));
  EXPECT_THAT(Report(), Not(LatencyPercentile(95, Lt(900ms))));
  EXPECT_THAT(Report(),
              LatencyPercentile(99, Gt(std::chrono::duration<double>(0.9))));
}

TEST(LatencyPercentileTest, DescribesItselfInMilliseconds) {
  EXPECT_EQ(DescribeMatcher<const RunReport&>(LatencyPercentile(95, Lt(3s))),
            "p95 latency is < 3000 ms");
  EXPECT_EQ(
      DescribeMatcher<const RunReport&>(LatencyPercentile(99.9, Le(250ms)),
                                        /*negation=*/true),
      "p99.9 latency isn't <= 250 ms");
}

TEST(LatencyPercentileTest, ExplainsWithTheWholeObservation) {
  // The explanation is the observation objectives and reports share: the
  // value with its sample size, then the neighbouring percentiles and the
  // errors.
  const Observation observation = Observe(Report(), "latency", 95, "");
  EXPECT_EQ(Explain(LatencyPercentile(95, Lt(900ms))),
            observation.headline + " " + observation.context);
  EXPECT_EQ(observation.samples, 1000u);
  EXPECT_NEAR(observation.value, 950, 950 * 0.01);
  EXPECT_THAT(observation.context,
              AllOf(HasSubstr("p50 "), HasSubstr("p99 "), HasSubstr("max "),
                    HasSubstr("errors 3")));
}

TEST(LatencyPercentileTest, FailureMessageReadsLikeAnSlo) {
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(Report(), LatencyPercentile(95, Lt(900ms))),
      "Expected: p95 latency is < 900 ms\n");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(Report(), LatencyPercentile(95, Lt(900ms))),
      Observe(Report(), "latency", 95, "").headline);
}

TEST(TimeMetricMatchersTest, EachReadsItsOwnHistogram) {
  EXPECT_THAT(Report(), ServiceTimePercentile(50, Lt(300ms)));
  EXPECT_THAT(Report(), Not(ServiceTimePercentile(100, Lt(900ms))));
  // TTFB is 3 ms on the 900 patients requests and 150 ms on the 100 chats.
  EXPECT_THAT(Report(),
              ForTag("GET /patients/{mrn}", TimeToFirstByte(99, Le(3ms))));
  EXPECT_THAT(Report(), TimeToFirstByte(99, AllOf(Ge(149ms), Le(151ms))));
  EXPECT_THAT(Report(), TimeToFirstToken(50, AllOf(Ge(240ms), Lt(260ms))));
  EXPECT_THAT(Report(), Not(TimeToFirstToken(99, Lt(250ms))));
  // Every chat stream has 24 gaps of 20 ms, each carrying two tokens: 20 ms
  // per chunk, 10 ms per token.
  EXPECT_THAT(Report(), InterChunkLatency(99, Le(20ms)));
  EXPECT_THAT(Report(), Not(InterChunkLatency(50, Lt(20ms))));
  EXPECT_THAT(Report(), InterTokenLatency(99, AllOf(Ge(9900us), Le(10100us))));
  EXPECT_THAT(Report(), Not(InterTokenLatency(50, Lt(9900us))));
  // (latency - TTFT) / 49 tokens: (901 - 200) / 49 = 14.3 ms up to
  // (1000 - 299) / 49 = 14.3 ms.
  EXPECT_THAT(Report(), TimePerOutputToken(95, AllOf(Gt(14ms), Lt(15ms))));
  EXPECT_THAT(Report(), CustomMetricPercentile("full_turn", 90, Lt(3s)));
  EXPECT_THAT(Report(), Not(CustomMetricPercentile("full_turn", 90, Lt(2s))));
}

TEST(TimeMetricMatchersTest, ExplainStreamsAndCustomMetrics) {
  EXPECT_THAT(Explain(TimeToFirstToken(99, Lt(250ms))),
              HasSubstr("p99 TTFT 29"));
  EXPECT_THAT(Explain(TimeToFirstToken(99, Lt(250ms))),
              HasSubstr("over 100 streams"));
  EXPECT_THAT(Explain(CustomMetricPercentile("full_turn", 90, Lt(2s))),
              HasSubstr("p90 full_turn 289"));
  EXPECT_EQ(DescribeMatcher<const RunReport&>(InterChunkLatency(95, Lt(50ms))),
            "p95 inter-chunk latency is < 50 ms");
  EXPECT_EQ(DescribeMatcher<const RunReport&>(InterTokenLatency(95, Lt(50ms))),
            "p95 inter-token latency is < 50 ms");
}

TEST(TimeMetricMatchersTest, MissingDataFailsWithAReason) {
  EXPECT_THAT(Report(), Not(CustomMetricPercentile("nope", 50, Lt(1s))));
  EXPECT_THAT(Explain(CustomMetricPercentile("nope", 50, Lt(1s))),
              HasSubstr("no custom metric \"nope\""));
  RunReport empty;
  EXPECT_THAT(empty, Not(LatencyPercentile(50, Lt(1s))));
  testing::StringMatchResultListener listener;
  EXPECT_FALSE(LatencyPercentile(50, Lt(1s)).MatchAndExplain(empty, &listener));
  EXPECT_EQ(listener.str(), Observe(empty, "latency", 50, "").problem);
}

TEST(FigureMatchersTest, CompareFractionsAndRates) {
  EXPECT_THAT(Report(), ErrorRate(Lt(0.01)));
  EXPECT_THAT(Report(), Not(ErrorRate(Lt(0.003))));
  EXPECT_THAT(Report(), AchievedRate(Ge(99.5)));
  EXPECT_THAT(Report(), Not(AchievedRate(Gt(100))));
  // 968 of 1000 met their objectives: 880 fast patients minus 2 errors,
  // and 90 of the 100 chat requests.
  EXPECT_THAT(Report(), SloAttainment(Ge(0.968)));
  EXPECT_THAT(Report(), Not(SloAttainment(Gt(0.968))));
  EXPECT_THAT(Report(), GoodputRate(AllOf(Ge(96.7), Le(96.9))));
  EXPECT_THAT(Report(), OutputTokensPerSecond(Ge(500)));
  EXPECT_THAT(Report(), Not(OutputTokensPerSecond(Gt(500))));
}

TEST(FigureMatchersTest, CostAndPerRequestTokenRate) {
  const double cost = Observe(Report(), "estimated_cost_usd", 0, "").value;
  EXPECT_GT(cost, 0);
  EXPECT_THAT(Report(), EstimatedCost(Le(cost)));
  EXPECT_THAT(Report(), Not(EstimatedCost(Lt(cost))));
  // 50 tokens in the 701 ms after each chat stream's first token: 71.3/s.
  EXPECT_THAT(Report(), RequestTokensPerSecond(50, AllOf(Gt(70.0), Lt(72.5))));
  EXPECT_THAT(Report(), Not(RequestTokensPerSecond(50, Lt(70.0))));
}

TEST(FigureMatchersTest, DescribeAndExplain) {
  EXPECT_EQ(DescribeMatcher<const RunReport&>(ErrorRate(Lt(0.01))),
            "error rate is < 0.01");
  EXPECT_THAT(Explain(ErrorRate(Lt(0.001))),
              AllOf(HasSubstr("error rate 0.3 % over 1000 requests in 10 s"),
                    HasSubstr("target 100 req/s"),
                    HasSubstr("errors 3 (0.30 %): http_5xx 3")));
}

TEST(ForTagTest, AppliesAnyMatcherToOneTag) {
  EXPECT_THAT(Report(), ForTag("chat", LatencyPercentile(50, Gt(900ms))));
  EXPECT_THAT(Report(), ForTag("GET /patients/{mrn}",
                               AllOf(LatencyPercentile(99, Lt(900ms)),
                                     ErrorRate(Lt(0.01)))));
  EXPECT_THAT(Report(), Not(ForTag("chat", LatencyPercentile(50, Lt(900ms)))));
  EXPECT_THAT(Report(), ForTag("chat", ErrorRate(0.0)));
  EXPECT_THAT(Report(), ForTag("chat", AchievedRate(Le(10.0))));
}

TEST(ForTagTest, DescribesAndExplainsWithTheTag) {
  const RunReportMatcher matcher =
      ForTag("chat", TimeToFirstToken(99, Lt(250ms)));
  EXPECT_EQ(DescribeMatcher<const RunReport&>(matcher),
            "for tag \"chat\", p99 TTFT is < 250 ms");
  EXPECT_THAT(Explain(matcher),
              AllOf(HasSubstr("for tag \"chat\": p99 TTFT 29"),
                    HasSubstr("over 100 streams"), HasSubstr("errors none")));
}

TEST(ForTagTest, MissingTagFailsListingTheTags) {
  const RunReportMatcher matcher =
      ForTag("POST /nope", LatencyPercentile(50, Lt(1s)));
  EXPECT_THAT(Report(), Not(matcher));
  EXPECT_THAT(Explain(matcher),
              AllOf(HasSubstr("no tag \"POST /nope\""),
                    HasSubstr("\"GET /patients/{mrn}\", \"chat\"")));
}

TEST(MeetsTest, UsesObjectiveWording) {
  Objective objective;
  objective.metric = "latency";
  objective.percentile = 95;
  objective.threshold = 900;
  EXPECT_THAT(Report(), Not(Meets(objective)));
  EXPECT_EQ(DescribeMatcher<const RunReport&>(Meets(objective)),
            "p95 latency < 900 ms");
  EXPECT_THAT(Explain(Meets(objective)),
              HasSubstr("FAILED p95 latency < 900 ms: observed p95 latency "
                        "950.01 ms"));
  objective.threshold = 1000;
  EXPECT_THAT(Report(), Meets(objective));
}

// The catalogue decides which metrics exist; each must have its matcher, and
// each matcher must read the metric the catalogue names.
TEST(MetricCatalogueMatchersTest, EveryMetricHasAMatcherReadingIt) {
  const std::map<std::string_view, RunReportMatcher> matchers = {
      {"latency", LatencyPercentile(95, Lt(1s))},
      {"service_time", ServiceTimePercentile(95, Lt(1s))},
      {"ttfb", TimeToFirstByte(95, Lt(1s))},
      {"send_lag", SendLagPercentile(95, Lt(1s))},
      {"first_chunk", TimeToFirstChunk(95, Lt(1s))},
      {"ttft", TimeToFirstToken(95, Lt(1s))},
      {"chunk_gap", InterChunkLatency(95, Lt(1s))},
      {"token_gap", InterTokenLatency(95, Lt(1s))},
      {"tpot", TimePerOutputToken(95, Lt(1s))},
      {"tokens_per_s", RequestTokensPerSecond(95, Lt(1.0))},
      {"latency_per_token", LatencyPerOutputToken(95, Lt(1s))},
      {"error_rate", ErrorRate(Lt(1.0))},
      {"achieved_rps", AchievedRate(Lt(1.0))},
      {"goodput_rps", GoodputRate(Lt(1.0))},
      {"slo_attainment", SloAttainment(Lt(1.0))},
      {"input_tokens_per_s", InputTokensPerSecond(Lt(1.0))},
      {"output_tokens_per_s", OutputTokensPerSecond(Lt(1.0))},
      {"estimated_cost_usd", EstimatedCost(Lt(1.0))},
  };
  EXPECT_EQ(matchers.size(), MetricCatalogue().size());
  for (const MetricDefinition& metric : MetricCatalogue()) {
    const auto found = matchers.find(metric.name);
    ASSERT_NE(found, matchers.end()) << "no matcher for " << metric.name;
    const double percentile = metric.kind == MetricKind::kDistribution ? 95 : 0;
    EXPECT_THAT(DescribeMatcher<const RunReport&>(found->second),
                StartsWith(DescribeMetric(metric.name, percentile) + " "))
        << metric.name;
    const Observation observation =
        Observe(Report(), metric.name, percentile, "");
    testing::StringMatchResultListener listener;
    found->second.MatchAndExplain(Report(), &listener);
    EXPECT_THAT(listener.str(),
                StartsWith(observation.found ? observation.headline
                                             : observation.problem))
        << metric.name;
  }
}

}  // namespace
}  // namespace loadgate
