// The comparison rules of the CI gate: tolerances, the spread rule, merged
// (not averaged) percentiles, per-tag verdicts, tolerance overrides, and the
// runs the gate refuses or fails (different loads, stopped early).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "loadgate/gate.h"
#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using test_support::Batch;
using test_support::BatchRun;
using test_support::ConstantRun;

const GateRow* FindRow(const GateResult& result, const std::string& key,
                       const std::string& tag = "") {
  for (const GateRow& row : result.rows) {
    if (row.metric.Key() == key && row.tag == tag) return &row;
  }
  return nullptr;
}

TEST(GateCompareTest, LatencyWithinTenPercentPasses) {
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(108)}, DefaultGateMetrics());
  EXPECT_FALSE(result.regressed());
  const GateRow* p95 = FindRow(result, "latency.p95");
  ASSERT_NE(p95, nullptr);
  EXPECT_NEAR(p95->baseline, 100, 1);
  EXPECT_NEAR(p95->current, 108, 1);
  EXPECT_NEAR(p95->allowed, 10, 0.1);
  EXPECT_FALSE(p95->spread_measured);
}

TEST(GateCompareTest, LatencyBeyondTenPercentRegressesAndNamesTheMetric) {
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(115)}, DefaultGateMetrics());
  EXPECT_TRUE(result.regressed());
  const GateRow* p95 = FindRow(result, "latency.p95");
  ASSERT_NE(p95, nullptr);
  EXPECT_TRUE(p95->regressed);
  EXPECT_THAT(p95->message, HasSubstr("p95 latency"));
  EXPECT_THAT(p95->message, HasSubstr("beyond the tolerance +10 %"));
  EXPECT_TRUE(FindRow(result, "latency.p99")->regressed);
  EXPECT_FALSE(FindRow(result, "error_rate")->regressed);
}

TEST(GateCompareTest, ErrorRateMayGrowHalfAPointAbsolute) {
  // 1000 requests per run: 4 errors = +0.4 points, 6 errors = +0.6 points.
  EXPECT_FALSE(
      Compare({ConstantRun(100)}, {ConstantRun(100, 4)}, DefaultGateMetrics())
          .regressed());
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(100, 6)}, DefaultGateMetrics());
  const GateRow* error_rate = FindRow(result, "error_rate");
  ASSERT_NE(error_rate, nullptr);
  EXPECT_TRUE(error_rate->regressed);
  EXPECT_THAT(error_rate->message, HasSubstr("error rate"));
  EXPECT_THAT(error_rate->message, HasSubstr("+0.6 pt"));
}

// A run planned for 10 s whose 1000 requests took `seconds`.
RunReport TookSeconds(double seconds) {
  RunReport run = ConstantRun(100, 0, seconds);
  run.info.planned_duration_ns = ConstantRun(100).info.planned_duration_ns;
  return run;
}

TEST(GateCompareTest, AchievedRateMayDropFivePercent) {
  // The same 1000 requests over 10 s (100 req/s), 10.4 s (-3.8 %) and
  // 11 s (-9.1 %).
  EXPECT_FALSE(
      Compare({ConstantRun(100)}, {TookSeconds(10.4)}, DefaultGateMetrics())
          .regressed());
  const GateResult result =
      Compare({ConstantRun(100)}, {TookSeconds(11)}, DefaultGateMetrics());
  const GateRow* rate = FindRow(result, "achieved_rps");
  ASSERT_NE(rate, nullptr);
  EXPECT_TRUE(rate->regressed);
  EXPECT_GT(rate->worsening, 0);  // a drop is a worsening
  EXPECT_THAT(rate->message, HasSubstr("achieved rate"));
}

TEST(GateCompareTest, ImprovementNeverRegresses) {
  EXPECT_FALSE(
      Compare({ConstantRun(200, 50)}, {ConstantRun(100)}, DefaultGateMetrics())
          .regressed());
}

TEST(GateCompareTest, DifferenceWithinTheRunToRunSpreadPasses) {
  // Baseline runs at 100 and 130 ms measure a spread of 30 ms; the merged
  // baseline p95 is 130 ms. A merged current of 150 ms is +15 % (beyond the
  // tolerance) but within the spread.
  const std::vector<RunReport> baseline = {ConstantRun(100), ConstantRun(130)};
  const GateResult noisy = Compare(
      baseline, {ConstantRun(140), ConstantRun(150)}, DefaultGateMetrics());
  const GateRow* p95 = FindRow(noisy, "latency.p95");
  ASSERT_NE(p95, nullptr);
  ASSERT_TRUE(p95->spread_measured);
  EXPECT_NEAR(p95->spread, 30, 1.5);
  EXPECT_GT(p95->worsening, p95->allowed);
  EXPECT_FALSE(p95->regressed);
  EXPECT_THAT(p95->message, HasSubstr("within the run-to-run spread"));

  // The same single runs are judged on the tolerance alone.
  EXPECT_TRUE(
      Compare({ConstantRun(130)}, {ConstantRun(150)}, DefaultGateMetrics())
          .regressed());

  // Beyond both the tolerance and the spread.
  const GateResult slow = Compare(
      baseline, {ConstantRun(170), ConstantRun(175)}, DefaultGateMetrics());
  EXPECT_TRUE(FindRow(slow, "latency.p95")->regressed);
  EXPECT_THAT(FindRow(slow, "latency.p95")->message,
              HasSubstr("and the run-to-run spread"));
}

// A regression cannot hide in its own noise: a current side with one normal
// and one slow run has a huge range, but only the baseline measures noise.
TEST(GateCompareTest, OnlyTheBaselineRunsMeasureTheSpread) {
  const GateResult result =
      Compare({ConstantRun(100), ConstantRun(102)},
              {ConstantRun(101), ConstantRun(700)}, DefaultGateMetrics());
  const GateRow* p95 = FindRow(result, "latency.p95");
  ASSERT_NE(p95, nullptr);
  ASSERT_TRUE(p95->spread_measured);
  EXPECT_NEAR(p95->spread, 2, 1);
  EXPECT_NEAR(p95->current, 700, 7);
  EXPECT_TRUE(p95->regressed) << p95->message;
  EXPECT_TRUE(result.regressed());

  // One baseline run measures no spread, however many current runs vary.
  const GateResult one_baseline =
      Compare({ConstantRun(100)}, {ConstantRun(100), ConstantRun(140)},
              DefaultGateMetrics());
  EXPECT_FALSE(FindRow(one_baseline, "latency.p95")->spread_measured);
  EXPECT_TRUE(FindRow(one_baseline, "latency.p95")->regressed);
}

TEST(GateCompareTest, JudgesMergedPercentilesNotAveragedOnes) {
  // Baseline run A: every request 100 ms; run B: 94 at 100 ms and 6 at
  // 138 ms, so its p95 is 138 ms: a spread of 38 ms, while the merged
  // baseline p95 (6 of 200 requests slow) stays 100 ms.
  // Current run A: every request 112 ms (p95 112). Run B: 89 at 112 ms and
  // 11 at 150 ms (p95 150). Merged, 11 of 200 requests sit at 150 ms, so the
  // merged p95 (rank 190) is 150 ms, while the average of the runs' p95s is
  // 131 ms. Against the 100 ms baseline with its 38 ms spread, the merged
  // value regresses (+50 ms) where an averaged one (+31 ms) would not.
  const std::vector<RunReport> baseline = {
      BatchRun({{.count = 100, .latency_ms = 100}}),
      BatchRun(
          {{.count = 94, .latency_ms = 100}, {.count = 6, .latency_ms = 138}})};
  const RunReport run_a = BatchRun({{.count = 100, .latency_ms = 112}});
  const RunReport run_b = BatchRun(
      {{.count = 89, .latency_ms = 112}, {.count = 11, .latency_ms = 150}});
  const double averaged = (run_a.metrics.total.latency.Percentile(95) +
                           run_b.metrics.total.latency.Percentile(95)) /
                          2.0 / 1e6;  // ns to ms
  EXPECT_NEAR(averaged, 131, 1.5);

  const GateResult result =
      Compare(baseline, {run_a, run_b}, DefaultGateMetrics());
  const GateRow* p95 = FindRow(result, "latency.p95");
  ASSERT_NE(p95, nullptr);
  EXPECT_NEAR(p95->baseline, 100, 1.5);
  EXPECT_NEAR(p95->current, 150, 1.5);
  EXPECT_NEAR(p95->spread, 38, 1.5);
  EXPECT_LT(averaged - p95->baseline, p95->spread);
  EXPECT_TRUE(p95->regressed);
}

TEST(GateCompareTest, ComparesEveryTagBothSidesHave) {
  const RunReport baseline =
      BatchRun({{.tag = 0, .count = 500, .latency_ms = 50},
                {.tag = 1, .count = 500, .latency_ms = 200}});
  // Only POST /b slowed down (+30 %).
  const RunReport current =
      BatchRun({{.tag = 0, .count = 500, .latency_ms = 50},
                {.tag = 1, .count = 500, .latency_ms = 260}});
  const GateResult result =
      Compare({baseline}, {current}, DefaultGateMetrics());
  const GateRow* get_a = FindRow(result, "latency.p95", "GET /a");
  const GateRow* post_b = FindRow(result, "latency.p95", "POST /b");
  ASSERT_NE(get_a, nullptr);
  ASSERT_NE(post_b, nullptr);
  EXPECT_FALSE(get_a->regressed);
  EXPECT_TRUE(post_b->regressed);
  EXPECT_THAT(post_b->message, HasSubstr("[tag POST /b]"));

  // A tag the current run no longer has is not compared.
  const GateResult only_a = Compare(
      {baseline}, {BatchRun({{.tag = 0, .count = 500, .latency_ms = 50}})},
      DefaultGateMetrics());
  EXPECT_EQ(FindRow(only_a, "latency.p95", "POST /b"), nullptr);
  EXPECT_NE(FindRow(only_a, "latency.p95", "GET /a"), nullptr);
}

TEST(GateCompareTest, SkipsTtftWhenNothingStreamed) {
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(100)}, DefaultGateMetrics());
  EXPECT_EQ(FindRow(result, "ttft.p95"), nullptr);
  ASSERT_FALSE(result.skipped.empty());
  EXPECT_THAT(result.skipped.front(), HasSubstr("p95 TTFT"));
}

TEST(GateCompareTest, RejectsAnEmptySide) {
  EXPECT_THROW(Compare({}, {ConstantRun(100)}, DefaultGateMetrics()),
               std::invalid_argument);
}

// The one-line message of the std::invalid_argument Compare throws, or "".
std::string RefusalOf(const std::vector<RunReport>& baseline,
                      const std::vector<RunReport>& current,
                      const GateRunNames& names = {}) {
  try {
    Compare(baseline, current, DefaultGateMetrics(), kDefaultMinSamples, names);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(GateCompareTest, RefusesRunsOfDifferentLoads) {
  RunReport baseline = ConstantRun(100);
  baseline.info.load_model = "constant 100 req/s";
  baseline.info.target_rps = 100;
  EXPECT_EQ(RefusalOf({baseline}, {baseline}), "");

  RunReport other_model = baseline;
  other_model.info.load_model = "ramp 10 -> 100 req/s";
  EXPECT_EQ(RefusalOf({baseline}, {other_model}, {{"b.json"}, {"c.json"}}),
            "b.json vs c.json: not comparable, load model \"constant 100 "
            "req/s\" vs \"ramp 10 -> 100 req/s\"");

  RunReport other_rate = baseline;
  other_rate.info.target_rps = 10;
  EXPECT_THAT(RefusalOf({baseline}, {baseline, other_rate}),
              HasSubstr("baseline run 1 vs current run 2: not comparable, "
                        "target rate 100 vs 10 req/s"));

  RunReport shorter = baseline;
  shorter.info.planned_duration_ns /= 2;
  EXPECT_THAT(RefusalOf({baseline, shorter}, {baseline}),
              HasSubstr("baseline run 2 vs current run 1: not comparable, "
                        "planned duration 5000 ms vs 10000 ms"));
}

TEST(GateCompareTest, RefusesABaselineThatStoppedEarly) {
  RunReport stopped = ConstantRun(100);
  stopped.info.stop_reason = "interrupted";
  EXPECT_THAT(RefusalOf({ConstantRun(100), stopped}, {ConstantRun(100)},
                        {{"b1.json", "b2.json"}, {"c.json"}}),
              HasSubstr("b2.json: the baseline stopped early (interrupted)"));
}

TEST(GateCompareTest, ACurrentRunThatStoppedEarlyRegresses) {
  RunReport stopped = ConstantRun(100);
  stopped.info.stop_reason = "max error rate 5.2 % over 10 s > 5 %";
  const GateResult result = Compare(
      {ConstantRun(100)}, {ConstantRun(100), stopped}, DefaultGateMetrics(),
      kDefaultMinSamples, {{"b.json"}, {"c1.json", "c2.json"}});
  // Its figures are as good as the baseline's; stopping is the regression.
  EXPECT_FALSE(FindRow(result, "latency.p95")->regressed);
  EXPECT_TRUE(result.regressed());
  ASSERT_EQ(result.stopped_early.size(), 1u);
  EXPECT_EQ(result.stopped_early[0].run, "c2.json");
  EXPECT_EQ(result.stopped_early[0].message,
            "current run c2.json stopped early: max error rate 5.2 % over 10 "
            "s > 5 %");

  std::ostringstream markdown;
  WriteGateMarkdown(result, markdown);
  EXPECT_THAT(markdown.str(), HasSubstr("1 regression\n"));
  EXPECT_THAT(markdown.str(), HasSubstr("- current run c2.json stopped early"));

  // Its place among the current runs names its JUnit case.
  EXPECT_EQ(result.stopped_early[0].number, 2);
}

TEST(GateCompareTest, AddsTheCurrentRunsDurations) {
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(100), ConstantRun(100)},
              DefaultGateMetrics());
  EXPECT_EQ(result.current_runs, 2);
  EXPECT_DOUBLE_EQ(
      result.current_seconds,
      2 * static_cast<double>(ConstantRun(100).info.actual_duration_ns) / 1e9);
  EXPECT_GT(result.current_seconds, 0);
}

TEST(GateCompareTest, NothingJudgedWhenEveryMetricIsSkipped) {
  const RunReport few = BatchRun({{.count = 20, .latency_ms = 100}});
  const GateResult result = Compare({few}, {few}, DefaultGateMetrics());
  EXPECT_THAT(result.rows, IsEmpty());
  EXPECT_FALSE(result.judged());
  EXPECT_FALSE(result.regressed());
  std::ostringstream markdown;
  WriteGateMarkdown(result, markdown);
  EXPECT_THAT(markdown.str(), HasSubstr("nothing could be judged"));
  EXPECT_TRUE(
      Compare({ConstantRun(100)}, {ConstantRun(100)}, DefaultGateMetrics())
          .judged());
}

TEST(GateToleranceTest, OverridesAnExistingTolerance) {
  std::vector<GateMetric> metrics = DefaultGateMetrics();
  ApplyToleranceOverride("latency.p95=15%", metrics);
  ApplyToleranceOverride("error_rate=+0.2pt", metrics);
  ASSERT_EQ(metrics.size(), DefaultGateMetrics().size());
  EXPECT_EQ(metrics[0].Key(), "latency.p95");
  EXPECT_EQ(metrics[0].tolerance.kind, Tolerance::Kind::kRelative);
  EXPECT_DOUBLE_EQ(metrics[0].tolerance.value, 0.15);
  EXPECT_EQ(metrics[2].Key(), "error_rate");
  EXPECT_EQ(metrics[2].tolerance.kind, Tolerance::Kind::kAbsolute);
  EXPECT_DOUBLE_EQ(metrics[2].tolerance.value, 0.002);
  EXPECT_EQ(metrics[2].tolerance.Describe("error_rate"), "+0.2 pt");

  // +12 % passes at 15 %; +0.3 points fails at 0.2.
  EXPECT_FALSE(FindRow(Compare({ConstantRun(100)}, {ConstantRun(112)}, metrics),
                       "latency.p95")
                   ->regressed);
  EXPECT_TRUE(
      Compare({ConstantRun(100)}, {ConstantRun(100, 3)}, metrics).regressed());
}

TEST(GateToleranceTest, AddsANewMetricWithAnAbsoluteTolerance) {
  std::vector<GateMetric> metrics = DefaultGateMetrics();
  ApplyToleranceOverride("latency.p50=20ms", metrics);
  ASSERT_EQ(metrics.back().Key(), "latency.p50");
  EXPECT_EQ(metrics.back().tolerance.kind, Tolerance::Kind::kAbsolute);
  EXPECT_DOUBLE_EQ(metrics.back().tolerance.value, 20);
  EXPECT_EQ(metrics.back().tolerance.Describe("latency"), "+20 ms");
}

TEST(GateToleranceTest, ARelativeToleranceMayHaveAnAbsoluteFloor) {
  std::vector<GateMetric> metrics = DefaultGateMetrics();
  EXPECT_EQ(metrics[0].tolerance.Describe("latency"), "+10 % (at least 1 ms)");
  ApplyToleranceOverride("latency.p95=15%,2ms", metrics);
  EXPECT_DOUBLE_EQ(metrics[0].tolerance.value, 0.15);
  EXPECT_DOUBLE_EQ(metrics[0].tolerance.floor, 2);
  EXPECT_EQ(metrics[0].tolerance.Describe("latency"), "+15 % (at least 2 ms)");
  EXPECT_DOUBLE_EQ(metrics[0].tolerance.Allowed(100), 15);
  EXPECT_DOUBLE_EQ(metrics[0].tolerance.Allowed(4), 2);
  // An override without a floor has none.
  ApplyToleranceOverride("latency.p99=15%", metrics);
  EXPECT_DOUBLE_EQ(metrics[1].tolerance.floor, 0);
}

// On a fast service, scheduler noise moves a 1 ms p95 by more than 10 %.
TEST(GateCompareTest, TheDefaultFloorAbsorbsSubMillisecondNoise) {
  const std::vector<GateMetric> metrics = DefaultGateMetrics();
  const GateResult noise =
      Compare({ConstantRun(1.0)}, {ConstantRun(1.6)}, metrics);
  EXPECT_FALSE(noise.regressed()) << FindRow(noise, "latency.p95")->message;
  const GateResult slower =
      Compare({ConstantRun(1.0)}, {ConstantRun(2.5)}, metrics);
  EXPECT_TRUE(slower.regressed());
  EXPECT_THAT(FindRow(slower, "latency.p95")->message,
              HasSubstr("beyond the tolerance +10 % (at least 1 ms)"));
}

TEST(GateCompareTest, TooFewSamplesAreListedNotJudged) {
  // Tag 1 has 5 requests a side (too few to move the run's p99), and its
  // latency triples.
  const RunReport baseline =
      BatchRun({{.count = 1000, .latency_ms = 100},
                {.tag = 1, .count = 5, .latency_ms = 100}});
  const RunReport current =
      BatchRun({{.count = 1000, .latency_ms = 100},
                {.tag = 1, .count = 5, .latency_ms = 300}});
  const GateResult result =
      Compare({baseline}, {current}, DefaultGateMetrics());
  EXPECT_FALSE(result.regressed());
  EXPECT_EQ(FindRow(result, "latency.p95", "POST /b"), nullptr);
  EXPECT_THAT(result.skipped,
              Contains(HasSubstr("p95 latency [tag POST /b]: too few samples "
                                 "to judge (5 in baseline, 5 in current; at "
                                 "least 100 needed)")));
  // A lower bound judges them.
  EXPECT_TRUE(
      Compare({baseline}, {current}, DefaultGateMetrics(), 5).regressed());
}

TEST(GateToleranceTest, RejectsMalformedOverrides) {
  std::vector<GateMetric> metrics = DefaultGateMetrics();
  for (const char* bad :
       {"latency.p95", "latency=10%", "error_rate.p95=1%", "nope.p95=1%",
        "latency.p0=1%", "latency.p95=abc", "latency.p95=1pt", "error_rate=5ms",
        "latency.p95=%", "latency.p95=15%,", "latency.p95=15%,2pt",
        "latency.p95=5ms,2ms", "latency.p95=15%,5%"}) {
    EXPECT_THROW(ApplyToleranceOverride(bad, metrics), std::invalid_argument)
        << bad;
  }
  EXPECT_EQ(metrics.size(), DefaultGateMetrics().size());
}

TEST(GateMarkdownTest, TableHasEveryColumnAndTheVerdict) {
  const GateResult result =
      Compare({ConstantRun(100), ConstantRun(102)},
              {ConstantRun(150), ConstantRun(152)}, DefaultGateMetrics());
  std::ostringstream out;
  WriteGateMarkdown(result, out);
  const std::string markdown = out.str();
  EXPECT_THAT(markdown, HasSubstr("| Metric | Baseline | Current | Change | "
                                  "Tolerance | Spread | Verdict |"));
  EXPECT_THAT(markdown, HasSubstr("| p95 latency |"));
  EXPECT_THAT(markdown, HasSubstr("**REGRESSION**"));
  EXPECT_THAT(markdown, HasSubstr("Regressions:"));
  // p95 and p99, of the whole run and of its one tag.
  EXPECT_THAT(markdown, HasSubstr("4 regressions"));

  std::ostringstream clean;
  WriteGateMarkdown(
      Compare({ConstantRun(100)}, {ConstantRun(100)}, DefaultGateMetrics()),
      clean);
  EXPECT_THAT(clean.str(), HasSubstr("no regression"));
  EXPECT_THAT(clean.str(), HasSubstr("| n/a |"));
}

TEST(GateObjectiveTest, RowBecomesAnObjectiveOnTheAllowance) {
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(150)}, DefaultGateMetrics());
  const ObjectiveResult objective =
      FindRow(result, "latency.p95")->AsObjectiveResult();
  EXPECT_FALSE(objective.passed);
  EXPECT_EQ(objective.objective.metric, "latency");
  EXPECT_EQ(objective.objective.op, Objective::Op::kLe);
  EXPECT_NEAR(objective.objective.threshold, 110, 1.5);
  EXPECT_NEAR(objective.observed, 150, 1.5);
  EXPECT_THAT(objective.objective.Describe(), HasSubstr("p95 latency <="));
}

}  // namespace
}  // namespace loadgate
