// Judging a response against its step: which error kind each failing check
// gives, which failure wins, captures and poll conditions. A pure function
// of the step, the status and the body, so no server is needed.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan.h"
#include "engine/response_checks.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {
namespace {

// Compile() makes a one-step plan for a request; the step it returns stays
// valid until the next Compile().
class ResponseChecksTest : public ::testing::Test {
 protected:
  const CompiledStep& Compile(Request request, std::optional<Poll> poll = {}) {
    scenario_ = Scenario{.base_url = "http://127.0.0.1:1"};
    Flow flow;
    flow.steps.push_back({std::move(request), std::move(poll)});
    scenario_.Add(std::move(flow));
    plan_ = CompilePlan(scenario_);
    captured_.assign(plan_.variables.size(), "");
    values_.assign(plan_.variables.size(), "");
    return plan_.flows[0].steps[0];
  }
  ResponseVerdict Judge(const CompiledStep& step, int status,
                        std::string_view body, bool stream_failed = false) {
    return JudgeResponse(step, status, body, stream_failed, captured_, values_);
  }
  int Slot(const std::string& variable) const {
    for (size_t i = 0; i < plan_.variables.size(); ++i) {
      if (plan_.variables[i] == variable) return static_cast<int>(i);
    }
    return -1;
  }

  Scenario scenario_;
  Plan plan_;
  std::vector<std::string> captured_;
  std::vector<std::string_view> values_;
};

TEST_F(ResponseChecksTest, WithoutAStatusCheckAStatusFrom400IsAnHttpError) {
  const CompiledStep& step = Compile(Request{.url = "/x"});
  EXPECT_EQ(Judge(step, 200, "").error, ErrorKind::kNone);
  EXPECT_EQ(Judge(step, 399, "").error, ErrorKind::kNone);
  EXPECT_EQ(Judge(step, 404, "").error, ErrorKind::kHttp4xx);
  EXPECT_EQ(Judge(step, 503, "").error, ErrorKind::kHttp5xx);
}

TEST_F(ResponseChecksTest, AFailedStatusCheckIsNamedByTheStatusItGot) {
  const CompiledStep& step =
      Compile(Request{.url = "/x", .checks = {Check::Status(201)}});
  EXPECT_EQ(Judge(step, 201, "").error, ErrorKind::kNone);
  EXPECT_EQ(Judge(step, 200, "").error, ErrorKind::kCheckFailed);
  EXPECT_EQ(Judge(step, 429, "").error, ErrorKind::kHttp4xx);
  EXPECT_EQ(Judge(step, 500, "").error, ErrorKind::kHttp5xx);
  // The status check replaces the default rule: an expected 404 passes.
  const CompiledStep& expects_404 =
      Compile(Request{.url = "/y", .checks = {Check::Status(404)}});
  EXPECT_EQ(Judge(expects_404, 404, "").error, ErrorKind::kNone);
}

TEST_F(ResponseChecksTest, BodyChecksFailAsCheckFailed) {
  const CompiledStep& step = Compile(
      Request{.url = "/x",
              .checks = {Check::BodyContains("ok"), Check::JsonPresent("/id"),
                         Check::JsonEquals("/n", "3")}});
  EXPECT_EQ(Judge(step, 200, R"({"id":1,"n":3,"s":"ok"})").error,
            ErrorKind::kNone);
  EXPECT_EQ(Judge(step, 200, R"({"id":1,"n":4,"s":"ok"})").error,
            ErrorKind::kCheckFailed);
  EXPECT_EQ(Judge(step, 200, R"({"n":3,"s":"ok"})").error,
            ErrorKind::kCheckFailed);
  EXPECT_EQ(Judge(step, 200, "ok, not JSON").error, ErrorKind::kCheckFailed);
}

TEST_F(ResponseChecksTest, AFailedCheckWinsOverAFailedStream) {
  const CompiledStep& step =
      Compile(Request{.url = "/x", .checks = {Check::BodyContains("ok")}});
  EXPECT_EQ(Judge(step, 200, "ok", /*stream_failed=*/true).error,
            ErrorKind::kProtocol);
  EXPECT_EQ(Judge(step, 200, "no", /*stream_failed=*/true).error,
            ErrorKind::kCheckFailed);
  EXPECT_EQ(Judge(step, 502, "ok", /*stream_failed=*/true).error,
            ErrorKind::kHttp5xx);
}

TEST_F(ResponseChecksTest, CapturesTakeStringsAsIsAndOtherValuesAsJson) {
  const CompiledStep& step = Compile(
      Request{.url = "/x", .captures = {{"id", "/id"}, {"items", "/items"}}});
  const ResponseVerdict verdict =
      Judge(step, 200, R"({"id":"s-42","items":[1, 2]})");
  EXPECT_EQ(verdict.error, ErrorKind::kNone);
  EXPECT_EQ(values_[Slot("id")], "s-42");
  EXPECT_EQ(values_[Slot("items")], "[1,2]");
  EXPECT_EQ(values_[Slot("id")].data(), captured_[Slot("id")].data());
  EXPECT_EQ(Judge(step, 200, R"({"id":"s-43"})").error,
            ErrorKind::kCheckFailed);
  EXPECT_EQ(Judge(step, 200, "not JSON").error, ErrorKind::kCheckFailed);
}

TEST_F(ResponseChecksTest, PollConditionsSayWhetherToAskAgain) {
  const CompiledStep& step =
      Compile(Request{.url = "/x"},
              Poll{.until = {Check::JsonEquals("/state", R"("done")")}});
  EXPECT_FALSE(Judge(step, 200, R"({"state":"running"})").until_met);
  EXPECT_TRUE(Judge(step, 200, R"({"state":"done"})").until_met);
  EXPECT_EQ(Judge(step, 200, R"({"state":"running"})").error, ErrorKind::kNone);
  const CompiledStep& no_poll = Compile(Request{.url = "/y"});
  EXPECT_TRUE(Judge(no_poll, 200, "").until_met);
}

}  // namespace
}  // namespace loadgate::engine
