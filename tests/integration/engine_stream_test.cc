// Streamed LLM responses measured as they arrive: Server-Sent Events in the
// OpenAI and Gemini framings, and Gemini's streamed JSON array. The server
// paces its events, so time to first token and the gaps between tokens have
// a known lower bound (the server's sleeps) and a loose upper one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::IsConsistent;
using test_support::LlmStream;
using test_support::TestServer;
using ::testing::MatchesRegex;

constexpr int64_t kMs = 1'000'000;
// Slack for a loaded machine on top of the server's own pacing.
constexpr int64_t kSlackNs = 400 * kMs;
// Below the server's sleep by no more than the histogram's resolution.
constexpr double kResolution = 0.99;

// The server's sleeps bound each stream from below: its last content event
// cannot arrive before `first_content` + (events - 1) * `gap`. One gap can
// look short when the event before it was read late on a busy machine (the
// gap before that one grows as much), so gaps are checked by their median
// and through that sum rather than one by one.
void ExpectPacedBy(const TagStats& total, int64_t first_content_ns,
                   int64_t gap_ns, int content_events) {
  const uint64_t requests = total.requests;
  const uint64_t gaps = static_cast<uint64_t>(content_events - 1) * requests;
  ASSERT_EQ(total.chunk_gap.count(), gaps);
  double last_content_ns_sum =
      total.ttft.mean() * static_cast<double>(total.ttft.count()) +
      total.chunk_gap.mean() * static_cast<double>(gaps);
  EXPECT_GE(last_content_ns_sum,
            kResolution * static_cast<double>(requests) *
                static_cast<double>(first_content_ns +
                                    (content_events - 1) * gap_ns));
  EXPECT_GE(total.chunk_gap.Percentile(50), gap_ns / 2);
  EXPECT_LE(total.chunk_gap.Percentile(50), gap_ns + kSlackNs);
}

RunReport RunStream(const TestServer& server, int requests,
                    StreamFormat format = StreamFormat::kAuto) {
  Scenario scenario;
  scenario.name = "engine_stream_test";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "chat",
                       .method = "POST",
                       .url = "/v1/chat",
                       .body = R"({"stream":true})",
                       .stream = format});
  RunOptions options;
  options.duration = 10s;
  options.max_requests = static_cast<uint64_t>(requests);
  options.threads = 1;
  options.graceful_stop = 5s;
  return loadgate::Run(scenario, ClosedModel{.users = 1}, options);
}

TEST(EngineStreamTest, OpenAiRoleOnlyFirstEventIsFirstChunkNotFirstToken) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.format = LlmStream::Format::kOpenAiSse,
                                 .pieces = {"a", "bb", "c", "dd", "e"},
                                 .role_event_first = true,
                                 .first_content_delay = 300ms,
                                 .gap = 50ms,
                                 .prompt_tokens = 11,
                                 .output_tokens = 9}));

  RunReport report = RunStream(server, 3);

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  ASSERT_GE(report.requests(), 3u);
  EXPECT_EQ(report.errors(), 0u);
  ASSERT_EQ(total.first_chunk.count(), report.requests());
  ASSERT_EQ(total.ttft.count(), report.requests());
  // The role-only event comes at once; the first content 300 ms later.
  EXPECT_LT(total.first_chunk.Percentile(50), 150 * kMs);
  EXPECT_GE(total.ttft.min(), kResolution * 300 * kMs);
  EXPECT_LE(total.ttft.max(), 300 * kMs + kSlackNs);
  // Five content events, 50 ms apart.
  ExpectPacedBy(total, 300 * kMs, 50 * kMs, 5);
  // Tokens from the usage in the final chunk, not the five chunks.
  EXPECT_EQ(total.output_tokens, 9 * report.requests());
  EXPECT_EQ(total.prompt_tokens, 11 * report.requests());
  EXPECT_GE(total.service_time.min(), kResolution * 500 * kMs);
}

TEST(EngineStreamTest, OutputTokensFallBackToContentChunksWithoutUsage) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.format = LlmStream::Format::kOpenAiSse,
                                 .pieces = {"one", "two", "three"},
                                 .role_event_first = true}));

  RunReport report = RunStream(server, 5);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.output_tokens, 3 * report.requests());
  EXPECT_EQ(report.metrics.total.prompt_tokens, 0u);
}

TEST(EngineStreamTest, GeminiSseWithCrlfFramingAndNoDone) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.format = LlmStream::Format::kGeminiSse,
                                 .pieces = {"x", "y", "z", "w"},
                                 .first_event_delay = 200ms,
                                 .gap = 30ms,
                                 .prompt_tokens = 4,
                                 .output_tokens = 6}));

  RunReport report = RunStream(server, 3);

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  ASSERT_GE(report.requests(), 3u);
  // The stream ends with the body, no [DONE] needed.
  EXPECT_EQ(report.errors(), 0u);
  ASSERT_EQ(total.ttft.count(), report.requests());
  // The first event already carries text.
  EXPECT_GE(total.first_chunk.min(), kResolution * 200 * kMs);
  EXPECT_GE(total.ttft.min(), kResolution * 200 * kMs);
  EXPECT_LE(total.ttft.max(), 200 * kMs + kSlackNs);
  ExpectPacedBy(total, 200 * kMs, 30 * kMs, 4);
  EXPECT_EQ(total.output_tokens, 6 * report.requests());
  EXPECT_EQ(total.prompt_tokens, 4 * report.requests());
}

TEST(EngineStreamTest, GeminiStreamedJsonArray) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.format = LlmStream::Format::kGeminiJsonArray,
                                 .pieces = {"p", "q", "r"},
                                 .first_event_delay = 150ms,
                                 .gap = 40ms,
                                 .prompt_tokens = 2,
                                 .output_tokens = 5}));

  RunReport report = RunStream(server, 3, StreamFormat::kJsonArray);

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  ASSERT_GE(report.requests(), 3u);
  EXPECT_EQ(report.errors(), 0u);
  ASSERT_EQ(total.ttft.count(), report.requests());
  EXPECT_GE(total.ttft.min(), kResolution * 150 * kMs);
  EXPECT_LE(total.ttft.max(), 150 * kMs + kSlackNs);
  ExpectPacedBy(total, 150 * kMs, 40 * kMs, 3);
  EXPECT_EQ(total.output_tokens, 5 * report.requests());
  EXPECT_EQ(total.prompt_tokens, 2 * report.requests());
}

// A token counts when its event is complete, not when its first bytes
// arrive: here the first content event is split mid-JSON (and the blank
// line ending it mid-CRLF) across HTTP chunks 200 ms apart.
TEST(EngineStreamTest, EventsSplitAcrossReadsCountWhenComplete) {
  TestServer server;
  server.Handle("/v1/chat",
                test_support::RespondChunked(
                    200,
                    {R"(data: {"choices":[{"index":0,"delta":{"content":"He)",
                     "llo\"}}]}\r\n\r", "\ndata: [DONE]\r\n\r\n"},
                    "text/event-stream", 200ms));

  RunReport report = RunStream(server, 3);

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  ASSERT_GE(report.requests(), 3u);
  EXPECT_EQ(report.errors(), 0u);
  ASSERT_EQ(total.ttft.count(), report.requests());
  EXPECT_GE(total.first_chunk.min(), kResolution * 200 * kMs);
  EXPECT_GE(total.ttft.min(), kResolution * 200 * kMs);
  // One content event (no usage reported): one token, no gaps.
  EXPECT_EQ(total.output_tokens, report.requests());
  EXPECT_EQ(total.chunk_gap.count(), 0u);
}

TEST(EngineStreamTest, TtftObjectiveDecidesGoodput) {
  TestServer server;
  // Every odd-numbered request's first token takes 150 ms, over the
  // 100 ms objective.
  server.Handle("/v1/chat",
                [fast = test_support::StreamLlm({.output_tokens = 3}),
                 slow = test_support::StreamLlm(
                     {.first_event_delay = 150ms, .output_tokens = 3})](
                    const test_support::HttpRequest& request,
                    test_support::ResponseWriter& writer) {
                  (request.number % 2 == 1 ? slow : fast)(request, writer);
                });
  Scenario scenario;
  scenario.name = "ttft_objective";
  scenario.base_url = server.base_url();
  scenario.request_ttft_objective = 100ms;
  scenario.Add(Request{.name = "chat", .method = "POST", .url = "/v1/chat"});
  RunOptions options;
  options.duration = 10s;
  options.max_requests = 12;
  options.threads = 1;
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_EQ(report.requests(), server.requests());
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_TRUE(test_support::OnlyTheFastHalfMetTheObjective(report));
}

TEST(EngineStreamTest, CostLimitStopsTheRun) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.prompt_tokens = 0, .output_tokens = 10}));
  Scenario scenario;
  scenario.name = "cost";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "chat", .method = "POST", .url = "/v1/chat"});
  RunOptions options;
  options.duration = 20s;
  options.threads = 1;
  // 10 output tokens at $1000 per million: $0.01 per request.
  options.prices.output_per_million = 1000;
  options.limits.max_cost_usd = 0.05;
  auto start = std::chrono::steady_clock::now();
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);
  auto wall = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_THAT(
      report.info.stop_reason,
      MatchesRegex(R"(max cost \$0\.0500 reached \(estimated \$[0-9.]+\))"));
  EXPECT_GE(report.requests(), 5u);
  EXPECT_NEAR(report.estimated_cost_usd(), 0.01 * report.requests(), 1e-9);
  EXPECT_GE(report.estimated_cost_usd(), 0.05 - 1e-9);
  EXPECT_LT(wall, 10s);
}

TEST(EngineStreamTest, StreamCutMidwayIsALostConnection) {
  TestServer server;
  server.Handle("/v1/chat", [](const test_support::HttpRequest&,
                               test_support::ResponseWriter& writer) {
    writer.StartChunked(200, "text/event-stream");
    writer.SendChunk(
        "data: "
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n");
    writer.Abort();
  });

  RunReport report = RunStream(server, 5);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(
      test_support::ErrorsOf(report.metrics.total, ErrorKind::kConnectionLost),
      report.requests());
}

TEST(EngineStreamTest, StreamStallingMidwayTimesOut) {
  TestServer server;
  // The second token would come 10 s after the first.
  server.Handle("/v1/chat",
                test_support::StreamLlm({.pieces = {"a", "b"}, .gap = 10s}));
  Scenario scenario;
  scenario.name = "stall";
  scenario.base_url = server.base_url();
  scenario.Add(Request{
      .name = "chat", .method = "POST", .url = "/v1/chat", .timeout = 300ms});
  RunOptions options;
  options.duration = 1s;
  options.threads = 1;
  options.graceful_stop = 2s;
  auto start = std::chrono::steady_clock::now();
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);
  auto wall = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GE(report.requests(), 2u);
  EXPECT_EQ(test_support::ErrorsOf(report.metrics.total, ErrorKind::kTimeout),
            report.requests());
  EXPECT_LT(wall, 3s);
}

TEST(EngineStreamTest, StreamParsingCanBeTurnedOff) {
  TestServer server;
  server.Handle("/v1/chat", test_support::StreamLlm(
                                {.format = LlmStream::Format::kOpenAiSse,
                                 .output_tokens = 7}));

  RunReport report = RunStream(server, 3, StreamFormat::kNone);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.first_chunk.count(), 0u);
  EXPECT_EQ(report.metrics.total.ttft.count(), 0u);
  EXPECT_EQ(report.metrics.total.output_tokens, 0u);
}

}  // namespace
}  // namespace loadgate
