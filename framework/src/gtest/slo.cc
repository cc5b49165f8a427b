#include "loadgate/slo.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/matcher_notes.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"

namespace loadgate::slo_internal {
namespace {

using ::testing::MatchResultListener;
using ::testing::StringMatchResultListener;

// The objective an inner matcher states, read from its description when it
// is one of GoogleMock's comparisons: "is < 100 ms" (times print in ms, see
// slo.h), "is >= 0.95". Anything else (AllOf, Not, a matcher of the test's
// own) states no single objective: nullopt.
std::optional<Objective> ComparisonObjective(std::string metric,
                                             double percentile,
                                             const std::string& description,
                                             bool time) {
  static constexpr std::pair<std::string_view, Objective::Op> kOps[] = {
      {"is <= ", Objective::Op::kLe},
      {"is >= ", Objective::Op::kGe},
      {"is < ", Objective::Op::kLt},
      {"is > ", Objective::Op::kGt}};
  for (const auto& [prefix, op] : kOps) {
    if (!description.starts_with(prefix)) continue;
    std::string_view value =
        std::string_view(description).substr(prefix.size());
    if (time) {
      if (!value.ends_with(" ms")) return std::nullopt;
      value.remove_suffix(3);
    }
    double threshold = 0;
    const auto [end, error] =
        std::from_chars(value.data(), value.data() + value.size(), threshold);
    if (error != std::errc() || end != value.data() + value.size()) {
      return std::nullopt;
    }
    return Objective{.metric = std::move(metric),
                     .percentile = percentile,
                     .op = op,
                     .threshold = threshold};
  }
  return std::nullopt;
}

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
        figure_(std::move(figure)) {
    std::ostringstream inner;
    time_ ? time_->DescribeTo(&inner) : figure_->DescribeTo(&inner);
    noted_.objective = ComparisonObjective(metric_, percentile_, inner.str(),
                                           time_.has_value());
    std::ostringstream description;
    DescribeTo(&description);
    noted_.description = description.str();
  }

  bool MatchAndExplain(const RunReport& report,
                       MatchResultListener* listener) const override {
    MatcherNotes::NoteObjective(noted_);
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
    MatcherNotes::NoteHeadline(observation.headline);
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
  MatcherNotes::NotedObjective noted_;
};

class ForTagMatcher : public ::testing::MatcherInterface<const RunReport&> {
 public:
  ForTagMatcher(std::string tag, RunReportMatcher inner)
      : tag_(std::move(tag)), inner_(std::move(inner)) {}

  bool MatchAndExplain(const RunReport& report,
                       MatchResultListener* listener) const override {
    const TagStats* stats = report.FindTag(tag_);
    if (stats == nullptr) {
      // The objective stands all the same (a merge of shards may have the
      // tag): judged on an empty run, the inner matcher notes it.
      NoteTaggedObjectives([&] {
        StringMatchResultListener ignored;
        inner_.MatchAndExplain(RunReport(), &ignored);
      });
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
    const std::string prefix = "for tag \"" + tag_ + "\": ";
    const std::string observed = NoteTaggedObjectives(
        [&] { matched = inner_.MatchAndExplain(projected, &inner_listener); });
    if (!observed.empty()) MatcherNotes::NoteHeadline(prefix + observed);
    *listener << prefix << inner_listener.str();
    return matched;
  }

  // Runs `judge` (the inner matcher) in a collector of its own, notes its
  // objectives with this tag on the outer collector, and returns its
  // headlines joined.
  template <class Judge>
  std::string NoteTaggedObjectives(Judge judge) const {
    std::string observed;
    std::vector<MatcherNotes::NotedObjective> objectives;
    {
      MatcherNotes inner_notes;
      judge();
      observed = inner_notes.Joined();
      objectives = inner_notes.objectives();
    }
    for (MatcherNotes::NotedObjective& noted : objectives) {
      // Custom metrics stay run-wide (see ForTag); a nested ForTag keeps
      // its own tag.
      std::optional<Objective>& objective = noted.objective;
      if (objective && objective->tag.empty() &&
          !objective->metric.starts_with(kCustomMetricPrefix)) {
        objective->tag = tag_;
      }
      noted.description = "for tag \"" + tag_ + "\", " + noted.description;
      MatcherNotes::NoteObjective(std::move(noted));
    }
    return observed;
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
    MatcherNotes::NoteObjective({objective_, objective_.Describe()});
    const ObjectiveResult result = Evaluate(objective_, report);
    if (!result.headline.empty()) MatcherNotes::NoteHeadline(result.headline);
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
