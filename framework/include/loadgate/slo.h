// GoogleMock matchers that state service-level objectives on a RunReport:
//
//   EXPECT_SLO(report, LatencyPercentile(95, Lt(3s)));
//   EXPECT_SLO(report, ErrorRate(Lt(0.01)));
//   EXPECT_SLO(report, ForTag("GET /patients/{mrn}",
//                             TimeToFirstToken(99, Le(800ms))));
//
// EXPECT_SLO is EXPECT_THAT that also lists each objective in a JUnit file
// (see below); the matchers work with EXPECT_THAT and friends as well.
//
// Time metrics hand the inner matcher a std::chrono::nanoseconds, so any
// std::chrono duration works as the bound; the other figures hand it a
// double (error rate and SLO attainment as fractions, rates per second).
// A failure tells the whole story through the same explanation code as
// Objective (objective.h): the observed value, the sample size, the
// neighbouring percentiles and the error breakdown.
#ifndef LOADGATE_SLO_H_
#define LOADGATE_SLO_H_

#include <gmock/gmock.h>

#include <chrono>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>

#include "loadgate/capacity.h"
#include "loadgate/format.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"

// GoogleTest 1.12 prints std::chrono durations as raw bytes, which would make
// "Expected: p95 latency is < 3000 ms" read "is < 8-byte object <B8-0B ...>".
// PrintTo overloads cannot help (ADL looks only in std), so teach
// UniversalPrinter, the hook GoogleTest itself specialises for std::optional
// and std::variant. Every duration prints in milliseconds, like the reports.
namespace testing::internal {
template <class Rep, class Period>
class UniversalPrinter<std::chrono::duration<Rep, Period>> {
 public:
  static void Print(const std::chrono::duration<Rep, Period>& value,
                    std::ostream* os) {
    *os << loadgate::FormatMilliseconds(
        std::chrono::duration<double, std::nano>(value).count());
  }
};
}  // namespace testing::internal

namespace loadgate {

using RunReportMatcher = ::testing::Matcher<const RunReport&>;

namespace slo_internal {
// `metric` and `percentile` as in Objective (0 for run figures); the tag
// comes from ForTag. Times reach `inner` as nanoseconds, other values as
// doubles in the metric's unit.
RunReportMatcher TimeMetric(std::string metric, double percentile,
                            ::testing::Matcher<std::chrono::nanoseconds> inner);
RunReportMatcher ValueMetric(std::string metric, double percentile,
                             ::testing::Matcher<double> inner);

template <class InnerMatcher>
RunReportMatcher Time(std::string metric, double percentile,
                      InnerMatcher inner) {
  return TimeMetric(
      std::move(metric), percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}
template <class InnerMatcher>
RunReportMatcher Value(std::string metric, double percentile,
                       InnerMatcher inner) {
  return ValueMetric(std::move(metric), percentile,
                     ::testing::SafeMatcherCast<double>(inner));
}
}  // namespace slo_internal

// One matcher per metric of the catalogue (the metric table of
// docs/scenario-format.md); the comment names the metric.

// latency: from the intended send time, so queueing in open models counts.
template <class InnerMatcher>
RunReportMatcher LatencyPercentile(double percentile, InnerMatcher inner) {
  return slo_internal::Time("latency", percentile, inner);
}

// service_time: from the actual send to the last byte.
template <class InnerMatcher>
RunReportMatcher ServiceTimePercentile(double percentile, InnerMatcher inner) {
  return slo_internal::Time("service_time", percentile, inner);
}

// ttfb: to the first byte of the response.
template <class InnerMatcher>
RunReportMatcher TimeToFirstByte(double percentile, InnerMatcher inner) {
  return slo_internal::Time("ttfb", percentile, inner);
}

// send_lag: intended to actual send time; the load generator's own health.
template <class InnerMatcher>
RunReportMatcher SendLagPercentile(double percentile, InnerMatcher inner) {
  return slo_internal::Time("send_lag", percentile, inner);
}

// first_chunk: streams, to the first event.
template <class InnerMatcher>
RunReportMatcher TimeToFirstChunk(double percentile, InnerMatcher inner) {
  return slo_internal::Time("first_chunk", percentile, inner);
}

// ttft: streams, to the first event with content.
template <class InnerMatcher>
RunReportMatcher TimeToFirstToken(double percentile, InnerMatcher inner) {
  return slo_internal::Time("ttft", percentile, inner);
}

// chunk_gap: streams, the gap between two content events, one sample per
// gap whatever the number of tokens the later event carries.
template <class InnerMatcher>
RunReportMatcher InterChunkLatency(double percentile, InnerMatcher inner) {
  return slo_internal::Time("chunk_gap", percentile, inner);
}

// token_gap: streams, each gap spread over the tokens its event carries, one
// sample per token (what LLM benchmarks call inter-token latency).
template <class InnerMatcher>
RunReportMatcher InterTokenLatency(double percentile, InnerMatcher inner) {
  return slo_internal::Time("token_gap", percentile, inner);
}

// tpot: streams, time per output token after the first.
template <class InnerMatcher>
RunReportMatcher TimePerOutputToken(double percentile, InnerMatcher inner) {
  return slo_internal::Time("tpot", percentile, inner);
}

// tokens_per_s: streams, one request's output tokens per second (a double).
template <class InnerMatcher>
RunReportMatcher RequestTokensPerSecond(double percentile, InnerMatcher inner) {
  return slo_internal::Value("tokens_per_s", percentile, inner);
}

// latency_per_token: one answered request's end-to-end latency divided by
// its output tokens (streams, and JSON answers that report usage).
template <class InnerMatcher>
RunReportMatcher LatencyPerOutputToken(double percentile, InnerMatcher inner) {
  return slo_internal::Time("latency_per_token", percentile, inner);
}

// custom:<name>: a metric recorded by a Flow (Flow::metric), e.g.
// "full_turn".
template <class InnerMatcher>
RunReportMatcher CustomMetricPercentile(const std::string& name,
                                        double percentile, InnerMatcher inner) {
  return slo_internal::Time("custom:" + name, percentile, inner);
}

// error_rate: errors / requests, a fraction: ErrorRate(Lt(0.01)) is "under
// 1 %".
template <class InnerMatcher>
RunReportMatcher ErrorRate(InnerMatcher inner) {
  return slo_internal::Value("error_rate", 0, inner);
}

// achieved_rps: requests per second actually completed.
template <class InnerMatcher>
RunReportMatcher AchievedRate(InnerMatcher inner) {
  return slo_internal::Value("achieved_rps", 0, inner);
}

// goodput_rps: requests per second that met every per-request objective.
template <class InnerMatcher>
RunReportMatcher GoodputRate(InnerMatcher inner) {
  return slo_internal::Value("goodput_rps", 0, inner);
}

// slo_attainment: share of requests that met every per-request objective,
// a fraction.
template <class InnerMatcher>
RunReportMatcher SloAttainment(InnerMatcher inner) {
  return slo_internal::Value("slo_attainment", 0, inner);
}

// input_tokens_per_s: input (prompt) tokens per second over the whole run.
template <class InnerMatcher>
RunReportMatcher InputTokensPerSecond(InnerMatcher inner) {
  return slo_internal::Value("input_tokens_per_s", 0, inner);
}

// output_tokens_per_s: output tokens per second over the whole run.
template <class InnerMatcher>
RunReportMatcher OutputTokensPerSecond(InnerMatcher inner) {
  return slo_internal::Value("output_tokens_per_s", 0, inner);
}

// estimated_cost_usd: what the run's tokens cost at RunOptions::prices, USD.
template <class InnerMatcher>
RunReportMatcher EstimatedCost(InnerMatcher inner) {
  return slo_internal::Value("estimated_cost_usd", 0, inner);
}

// Applies `inner` (any matcher above, or AllOf/AnyOf/Not of them) to one
// tag's statistics instead of the whole run's. Custom metrics stay run-wide.
// Fails with the list of tags when the report has no such tag.
RunReportMatcher ForTag(std::string tag, RunReportMatcher inner);

// A declarative Objective as a matcher; describes itself with
// Objective::Describe() and explains with Evaluate()'s explanation.
RunReportMatcher Meets(Objective objective);

namespace slo_internal {
// Records `verdict` for the run's SLO JUnit file (and the test's JSON
// report) and words a failure like EXPECT_THAT, `value_text` being the
// asserted expression. `run_seconds`, the judged run's duration when there
// is one, becomes the JUnit time of the test's objectives.
::testing::AssertionResult Judged(const char* value_text, SloVerdict verdict,
                                  double run_seconds = 0);

// The predicate formatter behind EXPECT_SLO: judges the report once.
class SloAssertion {
 public:
  explicit SloAssertion(RunReportMatcher matcher)
      : matcher_(std::move(matcher)) {}
  ::testing::AssertionResult operator()(const char* report_text,
                                        const RunReport& report) const;

 private:
  RunReportMatcher matcher_;
};

// The predicate formatter behind EXPECT_SLO_VALUE.
template <class InnerMatcher>
class ValueSloAssertion {
 public:
  ValueSloAssertion(std::string subject, InnerMatcher matcher)
      : subject_(std::move(subject)), matcher_(std::move(matcher)) {}

  template <class T>
  ::testing::AssertionResult operator()(const char* value_text,
                                        const T& value) const {
    const ::testing::Matcher<const T&> matcher =
        ::testing::SafeMatcherCast<const T&>(matcher_);
    ::testing::StringMatchResultListener listener;
    SloVerdict verdict;
    verdict.passed = matcher.MatchAndExplain(value, &listener);
    std::ostringstream description;
    matcher.DescribeTo(&description);
    verdict.objective = subject_ + " " + description.str();
    verdict.observed = subject_ + " " + ::testing::PrintToString(value);
    verdict.explanation = listener.str().empty()
                              ? verdict.observed
                              : verdict.observed + " (" + listener.str() + ")";
    return Judged(value_text, std::move(verdict));
  }

 private:
  std::string subject_;
  InnerMatcher matcher_;
};

// The predicate formatter behind EXPECT_CAPACITY_AT_LEAST: fails unless
// the search found a capacity of at least `minimum_rps` (a lower bound at
// or above it counts; a refusal never does), telling every step.
::testing::AssertionResult CapacityAtLeast(const char* result_text,
                                           const char* minimum_text,
                                           const CapacityResult& result,
                                           double minimum_rps);

template <class InnerMatcher>
ValueSloAssertion<InnerMatcher> ValueSlo(std::string subject,
                                         InnerMatcher matcher) {
  return ValueSloAssertion<InnerMatcher>(std::move(subject),
                                         std::move(matcher));
}
}  // namespace slo_internal

}  // namespace loadgate

// EXPECT_THAT for service-level objectives: EXPECT_SLO(report, matcher)
// checks `report` against any matcher above and also records the verdict as
// one <testcase> of this run's SLO JUnit file (gate.h WriteSloJUnit), named
// after the objective ("p95 latency is < 100 ms") in a <testsuite> named
// after the GoogleTest test. The file is rewritten after every test, so an
// interrupted run keeps the verdicts of the tests that finished. It goes to
// $LOADGATE_SLO_JUNIT if set, else to $LOADGATE_REPORT_DIR (default
// ./reports) as <Suite>.<Test>.slo.xml, beside the test's JSON report, when
// the run judged the SLOs of one test (as ctest runs them), and as
// <executable>.slo.xml when it judged several.
#define EXPECT_SLO(report, matcher) \
  EXPECT_PRED_FORMAT1(::loadgate::slo_internal::SloAssertion(matcher), report)
#define ASSERT_SLO(report, matcher) \
  ASSERT_PRED_FORMAT1(::loadgate::slo_internal::SloAssertion(matcher), report)

// The same for an objective on a figure the test computed itself rather than
// on a report, named by `subject`:
//   EXPECT_SLO_VALUE("time to recover", recovery, Lt(5s));
// is the testcase "time to recover is < 5000 ms", observed "time to recover
// 1200 ms".
#define EXPECT_SLO_VALUE(subject, value, matcher)                           \
  EXPECT_PRED_FORMAT1(::loadgate::slo_internal::ValueSlo(subject, matcher), \
                      value)
#define ASSERT_SLO_VALUE(subject, value, matcher)                           \
  ASSERT_PRED_FORMAT1(::loadgate::slo_internal::ValueSlo(subject, matcher), \
                      value)

// A capacity objective on FindCapacity()'s result (capacity.h):
//   EXPECT_CAPACITY_AT_LEAST(result, 150);
// is the testcase "capacity is >= 150 req/s" in the SLO JUnit file; a
// failure lists every step, what broke and why a search refused.
#define EXPECT_CAPACITY_AT_LEAST(result, minimum_rps)                    \
  EXPECT_PRED_FORMAT2(::loadgate::slo_internal::CapacityAtLeast, result, \
                      minimum_rps)
#define ASSERT_CAPACITY_AT_LEAST(result, minimum_rps)                    \
  ASSERT_PRED_FORMAT2(::loadgate::slo_internal::CapacityAtLeast, result, \
                      minimum_rps)

#endif  // LOADGATE_SLO_H_
