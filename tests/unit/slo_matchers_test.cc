#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/slo.h"
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

TEST(LatencyPercentileTest, ExplainsTheWholeStory) {
  EXPECT_EQ(Explain(LatencyPercentile(95, Lt(900ms))),
            "p95 latency 950.01 ms over 1000 requests (p50 500.171 ms, p90 "
            "899.678 ms, p99 991.953 ms, max 1000 ms); errors 3 (0.30 %): "
            "http_5xx 3; status 503 x3");
}

TEST(LatencyPercentileTest, FailureMessageReadsLikeAnSlo) {
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(Report(), LatencyPercentile(95, Lt(900ms))),
      "Expected: p95 latency is < 900 ms\n"
      "  Actual: run \"sample\": 1000 requests, 3 errors over 10.0 s (of "
      "type loadgate::RunReport), p95 latency 950.01 ms over 1000 requests "
      "(p50 ");
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
  EXPECT_THAT(Report(), InterTokenLatency(99, Le(20ms)));
  EXPECT_THAT(Report(), Not(InterTokenLatency(50, Lt(20ms))));
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
  EXPECT_EQ(DescribeMatcher<const RunReport&>(InterTokenLatency(95, Lt(50ms))),
            "p95 inter-chunk latency is < 50 ms");
}

TEST(TimeMetricMatchersTest, MissingDataFailsWithAReason) {
  EXPECT_THAT(Report(), Not(CustomMetricPercentile("nope", 50, Lt(1s))));
  EXPECT_THAT(Explain(CustomMetricPercentile("nope", 50, Lt(1s))),
              HasSubstr("no custom metric \"nope\""));
  RunReport empty;
  EXPECT_THAT(empty, Not(LatencyPercentile(50, Lt(1s))));
  testing::StringMatchResultListener listener;
  EXPECT_FALSE(LatencyPercentile(50, Lt(1s)).MatchAndExplain(empty, &listener));
  EXPECT_EQ(listener.str(), "no samples of latency in the report (0 requests)");
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
  EXPECT_EQ(Explain(matcher),
            "no tag \"POST /nope\" in the report (tags: \"GET "
            "/patients/{mrn}\", \"chat\")");
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

}  // namespace
}  // namespace loadgate
