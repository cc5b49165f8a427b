// The objective a matcher stands for, as EXPECT_SLO keeps it for a merge of
// shard reports: one comparison of one metric has one (with ForTag's tag),
// anything else none.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>

#include "gtest/matcher_notes.h"
#include "loadgate/slo.h"
#include "support/sample_report.h"

namespace loadgate::slo_internal {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Gt;
using ::testing::Le;
using ::testing::Lt;
using ::testing::Not;

// The expression of the objective `matcher` notes when judging the sample
// report, or "(none)".
std::string ExpressionOf(const RunReportMatcher& matcher) {
  MatcherNotes notes;
  ::testing::StringMatchResultListener ignored;
  matcher.MatchAndExplain(test_support::SampleReport(), &ignored);
  std::ostringstream description;
  matcher.DescribeTo(&description);
  const std::optional<Objective> objective =
      notes.SingleObjective(description.str());
  return objective ? objective->Expression() : "(none)";
}

TEST(MatcherNotesTest, OneComparisonOfOneMetricIsAnObjective) {
  EXPECT_EQ(ExpressionOf(LatencyPercentile(95, Lt(100ms))),
            "p95(latency) < 100000000ns");
  EXPECT_EQ(ExpressionOf(LatencyPercentile(99.9, Le(2500us))),
            "p99.9(latency) <= 2500000ns");
  EXPECT_EQ(ExpressionOf(ErrorRate(Lt(0.01))), "error_rate < 0.01");
  EXPECT_EQ(ExpressionOf(AchievedRate(Ge(95))), "achieved_rps >= 95");
  EXPECT_EQ(ExpressionOf(SloAttainment(Gt(0.1))), "slo_attainment > 0.1");
  EXPECT_EQ(ExpressionOf(ForTag("chat", TimeToFirstToken(99, Lt(1s)))),
            "p99(ttft{\"chat\"}) < 1000000000ns");
  // A missing tag still names its objective: a merge may have the tag.
  EXPECT_EQ(ExpressionOf(ForTag("nope", ErrorRate(Lt(0.01)))),
            "error_rate{\"nope\"} < 0.01");
  // Custom metrics stay run-wide under ForTag.
  EXPECT_EQ(ExpressionOf(ForTag(
                "chat", CustomMetricPercentile("full_turn", 95, Lt(3s)))),
            "p95(custom:full_turn) < 3000000000ns");
  Objective declared{.metric = "error_rate", .threshold = 0.02};
  EXPECT_EQ(ExpressionOf(Meets(declared)), "error_rate < 0.02");
}

TEST(MatcherNotesTest, AnythingElseIsNoSingleObjective) {
  EXPECT_EQ(ExpressionOf(LatencyPercentile(95, AllOf(Lt(100ms), Gt(1ms)))),
            "(none)");
  EXPECT_EQ(ExpressionOf(Not(ErrorRate(Lt(0.01)))), "(none)");
  EXPECT_EQ(
      ExpressionOf(AllOf(ErrorRate(Lt(0.01)), LatencyPercentile(95, Lt(1s)))),
      "(none)");
  EXPECT_EQ(ExpressionOf(ErrorRate(::testing::DoubleNear(0, 0.01))), "(none)");
}

}  // namespace
}  // namespace loadgate::slo_internal
