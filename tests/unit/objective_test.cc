#include "loadgate/objective.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "metrics/observation.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using test_support::SampleReport;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Objective Make(std::string metric, double percentile, Objective::Op op,
               double threshold, std::string tag = "") {
  Objective objective;
  objective.metric = std::move(metric);
  objective.percentile = percentile;
  objective.op = op;
  objective.threshold = threshold;
  objective.tag = std::move(tag);
  return objective;
}

using Op = Objective::Op;

TEST(ObjectiveDescribeTest, ReadsLikeAnSlo) {
  EXPECT_EQ(Make("latency", 95, Op::kLt, 3000, "GET /patients").Describe(),
            "p95 latency < 3000 ms [tag GET /patients]");
  EXPECT_EQ(Make("error_rate", 0, Op::kLt, 0.01).Describe(),
            "error rate < 1 %");
  EXPECT_EQ(Make("ttft", 99.9, Op::kLe, 800).Describe(),
            "p99.9 TTFT <= 800 ms");
  EXPECT_EQ(Make("achieved_rps", 0, Op::kGe, 95).Describe(),
            "achieved rate >= 95 req/s");
  EXPECT_EQ(Make("output_tokens_per_s", 0, Op::kGt, 50).Describe(),
            "output tokens/s > 50 tokens/s");
  EXPECT_EQ(Make("custom:full_turn", 90, Op::kLt, 5000).Describe(),
            "p90 full_turn < 5000 ms");
  EXPECT_EQ(Make("estimated_cost_usd", 0, Op::kLt, 0.5).Describe(),
            "estimated cost < $0.5");
}

TEST(IsKnownMetricTest, KnowsTheDocumentedMetrics) {
  for (const char* metric :
       {"latency", "service_time", "ttfb", "send_lag", "first_chunk", "ttft",
        "chunk_gap", "token_gap", "tpot", "tokens_per_s", "error_rate",
        "achieved_rps", "goodput_rps", "slo_attainment", "output_tokens_per_s",
        "estimated_cost_usd", "custom:full_turn"}) {
    EXPECT_TRUE(IsKnownMetric(metric)) << metric;
  }
  EXPECT_FALSE(IsKnownMetric("latancy"));
  EXPECT_FALSE(IsKnownMetric("custom:"));
  EXPECT_FALSE(IsKnownMetric(""));
}

TEST(EvaluateTest, PercentileObjectivePassesAndFails) {
  const RunReport report = SampleReport();
  const ObjectiveResult pass =
      Evaluate(Make("latency", 95, Op::kLt, 1000), report);
  EXPECT_TRUE(pass.passed) << pass.explanation;
  EXPECT_EQ(pass.samples, 1000u);
  EXPECT_NEAR(pass.observed, 950, 950 * 0.01);

  const ObjectiveResult fail =
      Evaluate(Make("latency", 95, Op::kLt, 900), report);
  EXPECT_FALSE(fail.passed);
  EXPECT_THAT(fail.explanation,
              AllOf(StartsWith("FAILED p95 latency < 900 ms: observed p95 "
                               "latency 95"),
                    HasSubstr("over 1000 requests"), HasSubstr("(p50 "),
                    HasSubstr(", p90 "), HasSubstr(", p99 "),
                    HasSubstr(", max 1000 ms)"),
                    HasSubstr("errors 3 (0.30 %): http_5xx 3; status 503 x3")));
}

TEST(EvaluateTest, EveryOperatorComparesAsWritten) {
  const RunReport report = SampleReport();  // error rate exactly 0.003
  EXPECT_TRUE(Evaluate(Make("error_rate", 0, Op::kLe, 0.003), report).passed);
  EXPECT_FALSE(Evaluate(Make("error_rate", 0, Op::kLt, 0.003), report).passed);
  EXPECT_TRUE(Evaluate(Make("error_rate", 0, Op::kGe, 0.003), report).passed);
  EXPECT_FALSE(Evaluate(Make("error_rate", 0, Op::kGt, 0.003), report).passed);
}

TEST(EvaluateTest, TagScopesTheObjective) {
  const RunReport report = SampleReport();
  const ObjectiveResult chat =
      Evaluate(Make("latency", 50, Op::kGt, 900, "chat"), report);
  EXPECT_TRUE(chat.passed) << chat.explanation;
  EXPECT_EQ(chat.samples, 100u);
  EXPECT_THAT(chat.explanation, HasSubstr("over 100 requests [tag chat]"));
  EXPECT_THAT(chat.explanation, HasSubstr("errors none"));

  const ObjectiveResult ttft =
      Evaluate(Make("ttft", 99, Op::kLt, 250, "chat"), report);
  EXPECT_FALSE(ttft.passed);
  EXPECT_THAT(ttft.explanation, HasSubstr("p99 TTFT 29"));
  EXPECT_THAT(ttft.explanation, HasSubstr("over 100 streams"));

  const ObjectiveResult rate = Evaluate(
      Make("achieved_rps", 0, Op::kGe, 90, "GET /patients/{mrn}"), report);
  EXPECT_TRUE(rate.passed);
  EXPECT_DOUBLE_EQ(rate.observed, 90);
}

TEST(EvaluateTest, RunFiguresUseTheirUnits) {
  const RunReport report = SampleReport();
  const ObjectiveResult rate =
      Evaluate(Make("achieved_rps", 0, Op::kGe, 100), report);
  EXPECT_TRUE(rate.passed) << rate.explanation;
  EXPECT_THAT(rate.explanation,
              HasSubstr("achieved rate 100 req/s over 1000 requests in 10 s "
                        "(target 100 req/s"));
  const ObjectiveResult errors =
      Evaluate(Make("error_rate", 0, Op::kLt, 0.001), report);
  EXPECT_FALSE(errors.passed);
  EXPECT_THAT(
      errors.explanation,
      StartsWith("FAILED error rate < 0.1 %: observed error rate 0.3 %"));
  const ObjectiveResult tokens =
      Evaluate(Make("output_tokens_per_s", 0, Op::kGe, 500), report);
  EXPECT_TRUE(tokens.passed);
  EXPECT_DOUBLE_EQ(tokens.observed, 500);
}

TEST(EvaluateTest, CustomMetric) {
  const RunReport report = SampleReport();
  const ObjectiveResult turn =
      Evaluate(Make("custom:full_turn", 90, Op::kLt, 2500), report);
  EXPECT_FALSE(turn.passed);
  EXPECT_EQ(turn.samples, 100u);
  EXPECT_THAT(turn.explanation, HasSubstr("p90 full_turn 289"));
  EXPECT_THAT(turn.explanation, HasSubstr("errors 4 failed of 100"));
}

TEST(EvaluateTest, ProblemsFailWithAnExplanationInsteadOfThrowing) {
  const RunReport report = SampleReport();
  const struct {
    Objective objective;
    const char* why;
  } cases[] = {
      {Make("latancy", 95, Op::kLt, 1), "unknown metric \"latancy\""},
      {Make("latency", 95, Op::kLt, 1, "POST /nope"),
       "no tag \"POST /nope\" in the report (tags: \"GET "
       "/patients/{mrn}\", \"chat\")"},
      {Make("latency", 0, Op::kLt, 1), "needs a percentile in (0, 100]"},
      {Make("latency", 101, Op::kLt, 1), "needs a percentile in (0, 100]"},
      {Make("ttft", 95, Op::kLt, 1, "GET /patients/{mrn}"),
       "no samples of TTFT [tag GET /patients/{mrn}] in the report (0 "
       "streams)"},
      {Make("custom:other", 95, Op::kLt, 1),
       "no custom metric \"other\" in the report (custom metrics: "
       "\"full_turn\")"},
      {Make("custom:full_turn", 95, Op::kLt, 1, "chat"), "has no tag"},
  };
  for (const auto& c : cases) {
    const ObjectiveResult result = Evaluate(c.objective, report);
    EXPECT_FALSE(result.passed) << c.why;
    EXPECT_THAT(result.explanation,
                AllOf(StartsWith("NOT EVALUATED "), HasSubstr(c.why)));
  }
}

TEST(EvaluateTest, EmptyReportIsNotEvaluatedForHistograms) {
  const ObjectiveResult result =
      Evaluate(Make("latency", 95, Op::kLt, 100), RunReport());
  EXPECT_FALSE(result.passed);
  EXPECT_THAT(result.explanation, HasSubstr("no samples of latency"));
}

TEST(EvaluateTest, RunFiguresOverNoRequestsAreNotEvaluated) {
  // "0 errors of 0 requests" is no evidence: every figure fails.
  for (const char* metric : {"error_rate", "achieved_rps", "goodput_rps",
                             "slo_attainment", "estimated_cost_usd"}) {
    const ObjectiveResult result =
        Evaluate(Make(metric, 0, Op::kLe, 1e9), RunReport());
    EXPECT_FALSE(result.passed) << metric;
    EXPECT_THAT(result.explanation,
                AllOf(StartsWith("NOT EVALUATED "), HasSubstr("no requests")))
        << metric;
  }
}

TEST(RunIntegrityVerdictsTest, ACompleteRunHasNone) {
  EXPECT_TRUE(RunIntegrityVerdicts(SampleReport()).empty());
}

TEST(RunIntegrityVerdictsTest, AnEarlyStopFailsWithItsReason) {
  RunReport report = SampleReport();
  report.info.stop_reason = "interrupted";
  const std::vector<SloVerdict> verdicts = RunIntegrityVerdicts(report);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].objective, "the run reaches its planned end");
  EXPECT_EQ(verdicts[0].observed, "stopped early: interrupted");
}

TEST(RunIntegrityVerdictsTest, ARunWithoutRequestsFails) {
  const std::vector<SloVerdict> verdicts = RunIntegrityVerdicts(RunReport());
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].objective, "the run records requests");
}

TEST(ObserveTest, ReturnsTheValueWithoutJudging) {
  const Observation observation = Observe(SampleReport(), "latency", 50, "");
  ASSERT_TRUE(observation.found);
  EXPECT_TRUE(observation.is_time);
  EXPECT_NEAR(observation.value, 500, 5);
  EXPECT_THAT(observation.headline, StartsWith("p50 latency "));
  EXPECT_THAT(observation.context, StartsWith("(p50 "));
  const Observation rate = Observe(SampleReport(), "slo_attainment", 0, "");
  EXPECT_FALSE(rate.is_time);
  // 878 patients and 90 chat requests met their objectives.
  EXPECT_DOUBLE_EQ(rate.value, 0.968);
}

}  // namespace
}  // namespace loadgate
