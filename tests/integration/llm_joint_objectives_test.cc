// Goodput under joint per-request objectives, through the engine against the
// real mock LLM (issue 14): each request asks the mock for a fast or slow
// first token and fast or slow tokens after it (its per-request headers),
// so which requests meet "TTFT < 150 ms and TPOT < 30 ms" is known in
// advance, and only the requests fast in both count as goodput.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/engine.h"
#include "support/service_process.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ServiceProcess;

const std::string kMockLlm = LOADGATE_BINARY_DIR "/bin/mock-llm";

constexpr int kOutputTokens = 6;
constexpr uint64_t kRequestsPerKind = 5;
constexpr uint64_t kRequests = 4 * kRequestsPerKind;

// Four kinds of stream, taken in turn: TTFT 20 or 300 ms against a 150 ms
// objective, 5 or 60 ms per token against a 30 ms one.
DataSet StreamKinds() {
  DataSet kinds;
  kinds.columns = {"ttft_ms", "itl_ms"};
  kinds.rows = {{"20", "5"}, {"300", "5"}, {"20", "60"}, {"300", "60"}};
  return kinds;
}

RunReport RunKinds(const ServiceProcess& mock, std::chrono::nanoseconds ttft,
                   std::chrono::nanoseconds tpot) {
  Scenario scenario;
  scenario.name = "joint_objectives";
  scenario.base_url = mock.url();
  scenario.data.push_back(StreamKinds());
  scenario.request_ttft_objective = ttft;
  scenario.request_tpot_objective = tpot;
  scenario.Add(
      Request{.name = "chat",
              .method = "POST",
              .url = "/v1/chat/completions",
              .headers = {{"Content-Type", "application/json"},
                          {"x-mock-llm-ttft-ms", "{ttft_ms}"},
                          {"x-mock-llm-itl-ms", "{itl_ms}"},
                          {"x-mock-llm-tokens", std::to_string(kOutputTokens)}},
              .body = R"({"model":"gpt-4o-mini","stream":true,)"
                      R"("stream_options":{"include_usage":true},)"
                      R"("messages":[{"role":"user","content":"Four words of )"
                      R"(prompt."}]})",
              .timeout = 10s,
              .stream = StreamFormat::kSse});
  RunOptions options;
  options.duration = 60s;  // ends at kRequests, long before
  options.max_requests = kRequests;
  options.threads = 1;
  // Rows are taken in turn whatever the user, so each kind runs
  // kRequestsPerKind times.
  return loadgate::Run(scenario, ClosedModel{.users = 4}, options);
}

class LlmJointObjectivesTest : public testing::Test {
 protected:
  ServiceProcess mock_{{kMockLlm, "--port", "0", "--threads", "1"}};
};

TEST_F(LlmJointObjectivesTest, OnlyRequestsFastInBothCountAsGoodput) {
  const RunReport report = RunKinds(mock_, 150ms, 30ms);
  ASSERT_EQ(report.requests(), kRequests);
  ASSERT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.met_objectives, kRequestsPerKind);
  EXPECT_DOUBLE_EQ(report.slo_attainment(), 0.25);
  EXPECT_GT(report.goodput_rps(), 0);
  EXPECT_LT(report.goodput_rps(), report.achieved_rps());
}

TEST_F(LlmJointObjectivesTest, EachObjectiveAloneLetsItsFastHalfThrough) {
  const RunReport ttft_only = RunKinds(mock_, 150ms, 0ns);
  EXPECT_EQ(ttft_only.metrics.total.met_objectives, 2 * kRequestsPerKind);
  const RunReport tpot_only = RunKinds(mock_, 0ns, 30ms);
  EXPECT_EQ(tpot_only.metrics.total.met_objectives, 2 * kRequestsPerKind);
}

TEST_F(LlmJointObjectivesTest, TokenFiguresComeFromTheStreamsUsage) {
  const RunReport report = RunKinds(mock_, 0ns, 0ns);
  const TagStats& total = report.metrics.total;
  ASSERT_EQ(report.requests(), kRequests);
  EXPECT_EQ(total.met_objectives, kRequests);  // no objective set
  EXPECT_EQ(total.output_tokens, kRequests * kOutputTokens);
  ASSERT_GT(total.prompt_tokens, 0u);
  EXPECT_GT(report.input_tokens_per_s(), 0);
  // Latency per output token: every stream, at least its planned time over
  // its tokens (the fastest kind: 20 + 5 * 5 ms over 6 tokens).
  ASSERT_EQ(total.latency_per_token.count(), kRequests);
  EXPECT_GE(total.latency_per_token.min(), 45 * 1'000'000 / kOutputTokens);
  EXPECT_EQ(total.tpot.count(), kRequests);
}

}  // namespace
}  // namespace loadgate
