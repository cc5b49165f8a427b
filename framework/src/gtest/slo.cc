#include "loadgate/slo.h"

#include <cmath>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "gtest/observed_headlines.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"

namespace loadgate::slo_internal {
namespace {

using ::testing::MatchResultListener;
using ::testing::StringMatchResultListener;

// One metric of the report compared by a GoogleMock matcher. Exactly one of
// the inner matchers is set: time metrics compare durations, the rest
// doubles.
class MetricMatcher : public ::testing::MatcherInterface<const RunReport&> {
 public:
  MetricMatcher(
      std::string metric, double percentile,
      std::optional<::testing::Matcher<std::chrono::nanoseconds>> time,
      std::optional<::testing::Matcher<double>> figure)
      : metric_(std::move(metric)),
        percentile_(percentile),
        time_(std::move(time)),
        figure_(std::move(figure)) {}

  bool MatchAndExplain(const RunReport& report,
                       MatchResultListener* listener) const override {
    const Observation observation = Observe(report, metric_, percentile_, "");
    if (!observation.found) {
      *listener << observation.problem;
      return false;
    }
    if (time_ && !observation.is_time) {
      *listener << DescribeMetric(metric_, percentile_)
                << " is not a time; compare it with a number";
      return false;
    }
    ObservedHeadlines::Note(observation.headline);
    StringMatchResultListener inner_listener;
    const bool matched =
        time_ ? time_->MatchAndExplain(std::chrono::nanoseconds(std::llround(
                                           observation.value * 1e6)),
                                       &inner_listener)
              : figure_->MatchAndExplain(observation.value, &inner_listener);
    *listener << observation.headline;
    if (!inner_listener.str().empty()) {
      *listener << " (" << inner_listener.str() << ")";
    }
    *listener << " " << observation.context;
    return matched;
  }

  void DescribeTo(std::ostream* os) const override {
    *os << Subject() << " ";
    time_ ? time_->DescribeTo(os) : figure_->DescribeTo(os);
  }

  void DescribeNegationTo(std::ostream* os) const override {
    *os << Subject() << " ";
    time_ ? time_->DescribeNegationTo(os) : figure_->DescribeNegationTo(os);
  }

 private:
  std::string Subject() const { return DescribeMetric(metric_, percentile_); }

  std::string metric_;
  double percentile_;
  std::optional<::testing::Matcher<std::chrono::nanoseconds>> time_;
  std::optional<::testing::Matcher<double>> figure_;
};

class ForTagMatcher : public ::testing::MatcherInterface<const RunReport&> {
 public:
  ForTagMatcher(std::string tag, RunReportMatcher inner)
      : tag_(std::move(tag)), inner_(std::move(inner)) {}

  bool MatchAndExplain(const RunReport& report,
                       MatchResultListener* listener) const override {
    const TagStats* stats = report.FindTag(tag_);
    if (stats == nullptr) {
      *listener << MissingTagProblem(report, tag_);
      return false;
    }
    // The tag seen as a run of its own: its statistics become the total, so
    // every matcher applies unchanged (including AllOf and friends).
    RunReport projected;
    projected.info = report.info;
    projected.metrics.total = *stats;
    projected.metrics.custom = report.metrics.custom;
    StringMatchResultListener inner_listener;
    bool matched = false;
    std::string observed;
    {
      ObservedHeadlines inner_headlines;
      matched = inner_.MatchAndExplain(projected, &inner_listener);
      observed = inner_headlines.Joined();
    }
    const std::string prefix = "for tag \"" + tag_ + "\": ";
    if (!observed.empty()) ObservedHeadlines::Note(prefix + observed);
    *listener << prefix << inner_listener.str();
    return matched;
  }

  void DescribeTo(std::ostream* os) const override {
    *os << "for tag \"" << tag_ << "\", ";
    inner_.DescribeTo(os);
  }

  void DescribeNegationTo(std::ostream* os) const override {
    *os << "for tag \"" << tag_ << "\", ";
    inner_.DescribeNegationTo(os);
  }

 private:
  std::string tag_;
  RunReportMatcher inner_;
};

class ObjectiveMatcher : public ::testing::MatcherInterface<const RunReport&> {
 public:
  explicit ObjectiveMatcher(Objective objective)
      : objective_(std::move(objective)) {}

  bool MatchAndExplain(const RunReport& report,
                       MatchResultListener* listener) const override {
    const ObjectiveResult result = Evaluate(objective_, report);
    if (!result.headline.empty()) ObservedHeadlines::Note(result.headline);
    *listener << result.explanation;
    return result.passed;
  }

  void DescribeTo(std::ostream* os) const override {
    // The objective's own words, so an SLO reads the same in EXPECT_SLO's
    // JUnit testcase, `loadgate run --junit` and the reports.
    *os << objective_.Describe();
  }

  void DescribeNegationTo(std::ostream* os) const override {
    *os << "does not meet " << objective_.Describe();
  }

 private:
  Objective objective_;
};

}  // namespace

RunReportMatcher TimeMetric(
    std::string metric, double percentile,
    ::testing::Matcher<std::chrono::nanoseconds> inner) {
  return ::testing::MakeMatcher(new MetricMatcher(
      std::move(metric), percentile, std::move(inner), std::nullopt));
}

RunReportMatcher ValueMetric(std::string metric, double percentile,
                             ::testing::Matcher<double> inner) {
  return ::testing::MakeMatcher(new MetricMatcher(
      std::move(metric), percentile, std::nullopt, std::move(inner)));
}

}  // namespace loadgate::slo_internal

namespace loadgate {

RunReportMatcher ForTag(std::string tag, RunReportMatcher inner) {
  return ::testing::MakeMatcher(
      new slo_internal::ForTagMatcher(std::move(tag), std::move(inner)));
}

RunReportMatcher Meets(Objective objective) {
  return ::testing::MakeMatcher(
      new slo_internal::ObjectiveMatcher(std::move(objective)));
}

}  // namespace loadgate
