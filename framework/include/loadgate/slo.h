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

#include "loadgate/duration.h"
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
// `metric` and `percentile` as in Objective; the tag comes from ForTag.
RunReportMatcher TimeMetric(std::string metric, double percentile,
                            ::testing::Matcher<std::chrono::nanoseconds> inner);
RunReportMatcher FigureMetric(std::string metric,
                              ::testing::Matcher<double> inner);
}  // namespace slo_internal

// Latency from the intended send time (includes queueing in open models).
template <class InnerMatcher>
RunReportMatcher LatencyPercentile(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "latency", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

// From the actual send to the last byte.
template <class InnerMatcher>
RunReportMatcher ServiceTimePercentile(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "service_time", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

template <class InnerMatcher>
RunReportMatcher TimeToFirstByte(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "ttfb", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

template <class InnerMatcher>
RunReportMatcher TimeToFirstToken(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "ttft", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

// Gap between content events of a stream (ITL per chunk).
template <class InnerMatcher>
RunReportMatcher InterTokenLatency(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "chunk_gap", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

template <class InnerMatcher>
RunReportMatcher TimePerOutputToken(double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "tpot", percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

// A custom metric recorded by a Flow (Flow::metric), e.g. "full_turn".
template <class InnerMatcher>
RunReportMatcher CustomMetricPercentile(const std::string& name,
                                        double percentile, InnerMatcher inner) {
  return slo_internal::TimeMetric(
      "custom:" + name, percentile,
      ::testing::SafeMatcherCast<std::chrono::nanoseconds>(inner));
}

// Errors / requests, a fraction: ErrorRate(Lt(0.01)) is "under 1 %".
template <class InnerMatcher>
RunReportMatcher ErrorRate(InnerMatcher inner) {
  return slo_internal::FigureMetric("error_rate",
                                    ::testing::SafeMatcherCast<double>(inner));
}

// Requests per second actually completed.
template <class InnerMatcher>
RunReportMatcher AchievedRate(InnerMatcher inner) {
  return slo_internal::FigureMetric("achieved_rps",
                                    ::testing::SafeMatcherCast<double>(inner));
}

// Requests per second that met every per-request objective.
template <class InnerMatcher>
RunReportMatcher GoodputRate(InnerMatcher inner) {
  return slo_internal::FigureMetric("goodput_rps",
                                    ::testing::SafeMatcherCast<double>(inner));
}

// Share of requests that met every per-request objective, a fraction.
template <class InnerMatcher>
RunReportMatcher SloAttainment(InnerMatcher inner) {
  return slo_internal::FigureMetric("slo_attainment",
                                    ::testing::SafeMatcherCast<double>(inner));
}

// Output tokens per second over the whole run.
template <class InnerMatcher>
RunReportMatcher OutputTokensPerSecond(InnerMatcher inner) {
  return slo_internal::FigureMetric("output_tokens_per_s",
                                    ::testing::SafeMatcherCast<double>(inner));
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
// asserted expression.
::testing::AssertionResult Judged(const char* value_text, SloVerdict verdict);

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

#endif  // LOADGATE_SLO_H_
