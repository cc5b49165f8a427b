// The capacity search's arithmetic with fake step results: growth,
// bisection to the resolution, the generator/service limit rule, the
// warm-up cut out of a step's report, Little's law and cost.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "capacity/warmup_window.h"
#include "loadgate/capacity.h"
#include "loadgate/slo.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kSecondNs = 1'000'000'000;

// Errors under 1 %: a step passes when its report has no errors.
std::vector<Objective> NoErrors() {
  Objective objective;
  objective.metric = "error_rate";
  objective.op = Objective::Op::kLt;
  objective.threshold = 0.01;
  return {objective};
}

// A step run for 10 s at `rate` that sent every request on time, `broke`
// when a tenth of them failed; each request took `latency_ms`.
RunReport StepReport(double rate, bool broke, double latency_ms = 100) {
  RunReport report;
  report.info.actual_duration_ns = 10 * kSecondNs;
  report.info.planned_duration_ns = 10 * kSecondNs;
  TagStats& total = report.metrics.total;
  total.requests = static_cast<uint64_t>(rate * 10);
  total.errors = broke ? total.requests / 10 : 0;
  total.errors_by_kind[static_cast<int>(ErrorKind::kHttp5xx)] = total.errors;
  const auto latency_ns = static_cast<int64_t>(latency_ms * 1e6);
  total.latency.RecordMultiple(latency_ns, total.requests);
  total.service_time.RecordMultiple(latency_ns, total.requests);
  total.send_lag.RecordMultiple(100'000, total.requests);  // 0.1 ms
  return report;
}

CapacityStep Judge(double rate, RunReport report,
                   const CapacityOptions& options = {},
                   StepConditions conditions = {.max_in_flight = 1000}) {
  return JudgeCapacityStep(rate, std::move(report), NoErrors(), options,
                           conditions);
}

// Runs the search against a service that carries `knee` req/s: the rates
// it tried, and the result.
CapacityResult Search(const CapacityOptions& options, double knee,
                      std::vector<double>& rates) {
  CapacitySearch search(options);
  std::vector<CapacityStep> steps;
  while (const std::optional<double> rate = search.NextRate()) {
    rates.push_back(*rate);
    steps.push_back(Judge(*rate, StepReport(*rate, *rate > knee), options));
    search.Record(steps.back());
    if (steps.size() >= 50) {
      ADD_FAILURE() << "the search does not end";
      break;
    }
  }
  return SummarizeCapacity(std::move(steps), NoErrors(), options);
}

TEST(CapacitySearchTest, DoublesFromStartUntilMaxWhenNothingBreaks) {
  std::vector<double> rates;
  const CapacityResult result =
      Search({.start_rps = 25, .max_rps = 150}, 1e9, rates);
  EXPECT_THAT(rates, ElementsAre(25, 50, 100, 150));
  EXPECT_EQ(result.outcome, CapacityResult::Outcome::kLowerBound);
  EXPECT_EQ(result.capacity_rps, 150);
}

TEST(CapacitySearchTest, BisectsBetweenPassingAndBreakingToTheResolution) {
  std::vector<double> rates;
  const CapacityResult result = Search(
      {.start_rps = 50, .max_rps = 1000, .resolution = 0.05}, 205, rates);
  // 50, 100, 200 pass; 400 breaks; then halves of the gap until it is
  // within 5 % of 200: 206.25 is 3.1 % above.
  EXPECT_THAT(rates,
              ElementsAre(50, 100, 200, 400, 300, 250, 225, 212.5, 206.25));
  EXPECT_EQ(result.outcome, CapacityResult::Outcome::kFound);
  EXPECT_EQ(result.capacity_rps, 200);
  EXPECT_EQ(result.breaking_rps, 206.25);
  EXPECT_LE((result.breaking_rps - result.capacity_rps) / result.capacity_rps,
            0.05 + 1e-12);
}

TEST(CapacitySearchTest, FinerResolutionTakesMoreSteps) {
  std::vector<double> coarse;
  std::vector<double> fine;
  Search({.start_rps = 50, .resolution = 0.1}, 333, coarse);
  const CapacityResult result =
      Search({.start_rps = 50, .resolution = 0.01}, 333, fine);
  EXPECT_GT(fine.size(), coarse.size());
  EXPECT_LE(result.capacity_rps, 333);
  EXPECT_GT(result.breaking_rps, 333);
  EXPECT_LE(result.breaking_rps / result.capacity_rps, 1.01 + 1e-12);
}

TEST(CapacitySearchTest, NoCapacityWhenTheFirstStepBreaks) {
  std::vector<double> rates;
  const CapacityResult result = Search({.start_rps = 100}, 50, rates);
  EXPECT_THAT(rates, ElementsAre(100));
  EXPECT_EQ(result.outcome, CapacityResult::Outcome::kNone);
  EXPECT_FALSE(result.found());
  EXPECT_THAT(result.breakage, HasSubstr("error rate"));
}

TEST(CapacitySearchTest, RejectsOptionsThatCannotSearch) {
  EXPECT_THROW(CapacitySearch({.start_rps = 0}), std::invalid_argument);
  EXPECT_THROW(CapacitySearch({.start_rps = 100, .max_rps = 50}),
               std::invalid_argument);
  EXPECT_THROW(CapacitySearch({.resolution = 0}), std::invalid_argument);
  EXPECT_THROW(CapacitySearch({.step_duration = 0s}), std::invalid_argument);
}

// A step that sent only half its rate.
RunReport HalfSent(double rate) {
  RunReport report = StepReport(rate, false);
  TagStats& total = report.metrics.total;
  total.errors = total.requests / 2;
  total.errors_by_kind[static_cast<int>(ErrorKind::kNotSent)] = total.errors;
  return report;
}

TEST(CapacityStepLimitTest, StepThatReachedItsRateHasNoLimit) {
  const CapacityStep step = Judge(100, StepReport(100, false));
  EXPECT_EQ(step.limit, StepLimit::kNone);
  EXPECT_DOUBLE_EQ(step.offered.sent_rps, 100);
  EXPECT_TRUE(step.passed());
}

TEST(CapacityStepLimitTest, BusyGeneratorIsAGeneratorLimitAndRefused) {
  const CapacityStep step =
      Judge(1000, HalfSent(1000), {},
            {.max_in_flight = 10, .generator_busy_share = 0.97});
  EXPECT_EQ(step.limit, StepLimit::kGenerator);
  EXPECT_TRUE(step.refused());
  EXPECT_FALSE(step.passed());
  EXPECT_THAT(step.limit_reason,
              AllOf(HasSubstr("generator limit"), HasSubstr("sent 500 of 1000"),
                    HasSubstr("97 % busy")));
}

TEST(CapacityStepLimitTest, LateWithFreeSlotsIsAGeneratorLimit) {
  // 500 req/s x 0.1 s = 50 busy slots of 1000: the service held few.
  const CapacityStep step =
      Judge(1000, HalfSent(1000), {}, {.max_in_flight = 1000});
  EXPECT_EQ(step.limit, StepLimit::kGenerator);
  EXPECT_TRUE(step.refused());
}

TEST(CapacityStepLimitTest, FullSlotsWithAnIdleGeneratorIsAServiceLimit) {
  // 500 req/s x 0.1 s = 50 busy slots of 50.
  const CapacityStep step =
      Judge(1000, HalfSent(1000), {}, {.max_in_flight = 50});
  EXPECT_EQ(step.limit, StepLimit::kService);
  EXPECT_FALSE(step.refused());
  EXPECT_FALSE(step.passed());
  EXPECT_THAT(step.Breakage(), HasSubstr("service limit"));
}

TEST(CapacityStepLimitTest, RequestsSentLateCountAsShort) {
  RunReport report = StepReport(100, false);
  // 0.4 s late on average over 10 s: beyond 5 % x 10 s / 2 = 0.25 s.
  report.metrics.total.send_lag = Histogram();
  report.metrics.total.send_lag.RecordMultiple(400'000'000, 1000);
  const CapacityStep step = Judge(100, std::move(report));
  EXPECT_EQ(step.limit, StepLimit::kGenerator);
}

TEST(CapacityStepLimitTest, RequestsCarriedOverFromTheWarmupAreNotSent) {
  const CapacityStep step = Judge(100, StepReport(100, false), {},
                                  {.max_in_flight = 1000, .carried_over = 100});
  EXPECT_DOUBLE_EQ(step.offered.sent_rps, 90);
  EXPECT_EQ(step.limit, StepLimit::kGenerator);  // 10 % short
}

TEST(CapacitySearchTest, RefusalStopsTheSearchAndReportsNoCapacity) {
  const CapacityOptions options{.start_rps = 100};
  CapacitySearch search(options);
  std::vector<CapacityStep> steps;
  steps.push_back(Judge(100, StepReport(100, false)));
  search.Record(steps.back());
  ASSERT_EQ(search.NextRate(), 200);
  steps.push_back(Judge(200, HalfSent(200), options,
                        {.max_in_flight = 10, .generator_busy_share = 1}));
  search.Record(steps.back());
  EXPECT_EQ(search.NextRate(), std::nullopt);

  const CapacityResult result =
      SummarizeCapacity(std::move(steps), NoErrors(), options);
  EXPECT_EQ(result.outcome, CapacityResult::Outcome::kRefused);
  EXPECT_FALSE(result.found());
  EXPECT_EQ(result.capacity_rps, 0);
  EXPECT_THAT(result.refusal, AllOf(HasSubstr("step 2 (200 req/s)"),
                                    HasSubstr("generator limit"),
                                    HasSubstr("before it was 100 req/s")));
}

TEST(CapacityWarmupTest, JudgedPartIsTheRunMinusTheWarmup) {
  // 10 requests of 1 ms by the end of the warm-up's second 1; 20 more of
  // 5 ms (one a 503) in the 2 s after it.
  TagStats at_warmup_end;
  at_warmup_end.name = "GET /a";
  at_warmup_end.requests = 10;
  at_warmup_end.errors_by_kind[0] = 10;
  at_warmup_end.status_counts = {{200, 10}};
  at_warmup_end.latency.RecordMultiple(1'000'000, 10);
  RunReport whole;
  whole.info.actual_duration_ns = 3 * kSecondNs;
  whole.info.planned_duration_ns = 3 * kSecondNs;
  TagStats tag = at_warmup_end;
  tag.requests = 30;
  tag.errors = 1;
  tag.errors_by_kind[0] = 29;
  tag.errors_by_kind[static_cast<int>(ErrorKind::kHttp5xx)] = 1;
  tag.status_counts = {{200, 29}, {503, 1}};
  tag.latency.RecordMultiple(5'000'000, 20);
  whole.metrics.tags = {tag};
  whole.metrics.total = tag;
  for (int64_t second : {0, 1, 2}) {
    TimeSlot slot;
    slot.second = second;
    whole.metrics.series.push_back(slot);
  }
  CustomMetric session;  // one a request, three of them failed
  session.name = "session";
  session.count = 30;
  session.failures = 3;
  session.value.RecordMultiple(5'000'000, 30);
  whole.metrics.custom = {session};

  const RunReport part = capacity::AfterWarmup(whole, {at_warmup_end}, 1);
  EXPECT_EQ(part.info.actual_duration_ns, 2 * kSecondNs);
  EXPECT_EQ(part.info.planned_duration_ns, 2 * kSecondNs);
  EXPECT_EQ(part.requests(), 20u);
  EXPECT_EQ(part.errors(), 1u);
  EXPECT_EQ(part.metrics.tags[0].status_counts.at(200), 19u);
  EXPECT_EQ(part.metrics.total.latency.count(), 20u);
  EXPECT_NEAR(part.metrics.total.latency.mean(), 5e6, 1);
  EXPECT_NEAR(static_cast<double>(part.metrics.total.latency.Percentile(1)),
              5e6, 5e6 / 64);
  ASSERT_EQ(part.metrics.series.size(), 2u);
  EXPECT_EQ(part.metrics.series.front().second, 1);
  // Sessions take the judged part's share of the requests (20 of 30).
  ASSERT_EQ(part.metrics.custom.size(), 1u);
  EXPECT_EQ(part.metrics.custom[0].count, 20u);
  EXPECT_EQ(part.metrics.custom[0].failures, 2u);
}

TEST(CapacityPlanningTest, UsersByLittlesLawAndCostPerRequestAndSession) {
  CapacityOptions options{
      .session_requests = 4, .session_metric = "session", .think_time = 1s};
  RunReport knee = StepReport(200, false);
  knee.info.prices = {.input_per_million = 1, .output_per_million = 4};
  knee.metrics.total.prompt_tokens = 100'000;
  knee.metrics.total.output_tokens = 50'000;
  CustomMetric session;
  session.name = "session";
  session.count = 500;
  session.value.RecordMultiple(2 * kSecondNs, 500);
  knee.metrics.custom.push_back(session);
  std::vector<CapacityStep> steps;
  steps.push_back(Judge(200, std::move(knee), options));
  steps.push_back(Judge(400, StepReport(400, true), options));

  const CapacityResult result =
      SummarizeCapacity(std::move(steps), NoErrors(), options);
  ASSERT_EQ(result.outcome, CapacityResult::Outcome::kFound);
  // 200 req/s / 4 = 50 sessions/s, each 2 s plus 1 s of thinking.
  EXPECT_NEAR(result.capacity_users, 150, 1e-9);
  EXPECT_NEAR(result.session_seconds, 2, 1e-9);
  // (100k x $1 + 50k x $4) / 1M = $0.30 over 2000 requests, 500 sessions.
  EXPECT_NEAR(result.cost_per_request_usd, 0.3 / 2000, 1e-12);
  EXPECT_NEAR(result.cost_per_session_usd, 0.3 / 500, 1e-12);
}

TEST(CapacityPlanningTest, WithoutASessionMetricASessionIsItsRequests) {
  const CapacityOptions options{.session_requests = 2};
  std::vector<CapacityStep> steps;
  steps.push_back(Judge(100, StepReport(100, false, 250), options));
  const CapacityResult result =
      SummarizeCapacity(std::move(steps), NoErrors(), options);
  // 50 sessions/s x 2 x 0.25 s.
  EXPECT_NEAR(result.capacity_users, 25, 1e-6);
}

TEST(CapacityPlanningTest, MeanThinkTimeOfEachDistribution) {
  EXPECT_EQ(MeanThinkTime(ThinkTime::None()), 0s);
  EXPECT_EQ(MeanThinkTime(ThinkTime::Constant(2s)), 2s);
  EXPECT_EQ(MeanThinkTime(ThinkTime::Uniform(1s, 3s)), 2s);
  EXPECT_EQ(MeanThinkTime(ThinkTime::Exponential(5s, 3s)), 3s);
}

TEST(CapacityAssertionTest, FailureTellsEveryStep) {
  std::vector<CapacityStep> steps;
  steps.push_back(Judge(100, StepReport(100, false)));
  steps.push_back(Judge(200, StepReport(200, true)));
  const CapacityResult result = SummarizeCapacity(steps, NoErrors(), {});
  const ::testing::AssertionResult low =
      slo_internal::CapacityAtLeast("result", "150", result, 150);
  EXPECT_FALSE(low);
  EXPECT_THAT(low.message(),
              AllOf(HasSubstr("capacity is >= 150 req/s"),
                    HasSubstr("capacity 100 req/s"),
                    HasSubstr("200 req/s: BROKE"), HasSubstr("error rate")));
  EXPECT_TRUE(slo_internal::CapacityAtLeast("result", "100", result, 100));
}

}  // namespace
}  // namespace loadgate
