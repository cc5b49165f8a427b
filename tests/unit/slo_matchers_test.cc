#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/slo.h"

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

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

// 1000 requests over 10 s at a 100 req/s target: "GET /patients/{mrn}" with
// latencies 1..900 ms (3 are 503s), "chat" with 100 streams (latency
// 901..1000 ms, TTFT 200..299 ms, 50 tokens, chunk gaps 20 ms), and a custom
// "full_turn" of 2..2.99 s.
RunReport BuildReport() {
  RunReport report;
  report.info.name = "matchers";
  report.info.target_rps = 100;
  report.info.actual_duration_ns = 10 * kSecond;
  Recorder recorder({"GET /patients/{mrn}", "chat"}, {"full_turn"}, 10);
  for (int i = 1; i <= 900; ++i) {
    RequestSample sample;
    sample.status = i % 300 == 0 ? 503 : 200;
    sample.error = i % 300 == 0 ? ErrorKind::kHttp5xx : ErrorKind::kNone;
    sample.met_objectives = i <= 880;
    sample.intended_ns = i * 10 * kMs;
    sample.latency_ns = i * kMs;
    sample.service_time_ns = i * kMs / 2;
    sample.ttfb_ns = 3 * kMs;
    recorder.Record(sample);
  }
  for (int i = 0; i < 100; ++i) {
    RequestSample sample;
    sample.tag = 1;
    sample.status = 200;
    sample.intended_ns = i * 100 * kMs;
    sample.latency_ns = sample.service_time_ns = (901 + i) * kMs;
    sample.ttft_ns = (200 + i) * kMs;
    sample.output_tokens = 50;
    recorder.Record(sample);
    recorder.RecordChunkGap(1, 20 * kMs, 1);
    recorder.RecordCustom(0, (2000 + 10 * i) * kMs, true);
  }
  report.metrics = recorder.metrics();
  return report;
}

const RunReport& Report() {
  static const RunReport report = BuildReport();
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
      "  Actual: run \"matchers\": 1000 requests, 3 errors over 10.0 s (of "
      "type loadgate::RunReport), p95 latency 950.01 ms over 1000 requests "
      "(p50 ");
}

TEST(TimeMetricMatchersTest, EachReadsItsOwnHistogram) {
  EXPECT_THAT(Report(), ServiceTimePercentile(50, Lt(300ms)));
  EXPECT_THAT(Report(), Not(ServiceTimePercentile(100, Lt(900ms))));
  EXPECT_THAT(Report(), TimeToFirstByte(99, Le(3ms)));
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
  // 978 of 1000 met their objectives: 880 fast patients minus 2 errors,
  // and every chat request.
  EXPECT_THAT(Report(), SloAttainment(Ge(0.978)));
  EXPECT_THAT(Report(), Not(SloAttainment(Gt(0.978))));
  EXPECT_THAT(Report(), GoodputRate(AllOf(Ge(97.7), Le(97.9))));
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
            "meets p95 latency < 900 ms");
  EXPECT_THAT(Explain(Meets(objective)),
              HasSubstr("FAILED p95 latency < 900 ms: observed p95 latency "
                        "950.01 ms"));
  objective.threshold = 1000;
  EXPECT_THAT(Report(), Meets(objective));
}

}  // namespace
}  // namespace loadgate
