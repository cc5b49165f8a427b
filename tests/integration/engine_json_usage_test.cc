// Token usage of whole (non-streamed) JSON answers, over real sockets: the
// engine reads the top-level "usage" / "usageMetadata" of a response whose
// Content-Type is JSON, however it is framed, so token counts, tokens/s,
// cost and the cost limit cover LLM calls and applications that are not
// streamed. Such answers have no chunks, so no TTFT or inter-token figures.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::HttpRequest;
using test_support::IsConsistent;
using test_support::Respond;
using test_support::ResponseWriter;
using test_support::TestServer;

// The sample app's POST /triage answer.
const std::string kTriageAnswer =
    R"({"response":"Rest and fluids.","trace_id":"4bf92f3577b34da6a3ce929d",)"
    R"("model":"gemini-2.0-flash","usage":{"prompt_tokens":120,)"
    R"("completion_tokens":30,"total_tokens":150},"latency_ms":12.5})";
constexpr uint64_t kPromptTokens = 120;
constexpr uint64_t kOutputTokens = 30;

Scenario OneRequest(const TestServer& server, std::string path,
                    StreamFormat stream = StreamFormat::kAuto) {
  Scenario scenario;
  scenario.name = "engine_json_usage_test";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "triage",
                       .method = "POST",
                       .url = std::move(path),
                       .body = R"({"mrn":"MRN00000001","query":"cough"})",
                       .stream = stream});
  return scenario;
}

RunOptions Requests(uint64_t count) {
  RunOptions options;
  options.duration = 10s;
  options.max_requests = count;
  options.threads = 1;
  options.graceful_stop = 5s;
  // $2 per million prompt tokens, $10 per million output tokens.
  options.prices = {.input_per_million = 2, .output_per_million = 10};
  return options;
}

RunReport RunRequests(const Scenario& scenario, uint64_t count) {
  return loadgate::Run(scenario, ClosedModel{.users = 1}, Requests(count));
}

// Writes `body` as JSON, delimited by closing the connection.
void RespondJsonUntilClose(const std::string& body, ResponseWriter& writer) {
  writer.CloseAfterResponse();
  writer.WriteRaw(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Connection: close\r\n\r\n" +
      body);
}

TEST(EngineJsonUsageTest, TokensAndCostCoverWholeJsonAnswers) {
  TestServer server;
  server.Handle("/triage",
                Respond(200, kTriageAnswer, "application/json; charset=utf-8"));
  server.Handle("/text", Respond(200, kTriageAnswer, test_support::kText));

  const RunReport report = RunRequests(OneRequest(server, "/triage"), 5);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_EQ(report.requests(), 5u);
  EXPECT_EQ(report.errors(), 0u);
  const TagStats& total = report.metrics.total;
  EXPECT_EQ(total.prompt_tokens, 5 * kPromptTokens);
  EXPECT_EQ(total.output_tokens, 5 * kOutputTokens);
  EXPECT_NEAR(report.estimated_cost_usd(),
              5 * (kPromptTokens * 2.0 + kOutputTokens * 10.0) / 1e6, 1e-12);
  EXPECT_GT(report.output_tokens_per_s(), 0);
  // Not a stream: no chunk, TTFT or per-token figures.
  EXPECT_EQ(total.first_chunk.count(), 0u);
  EXPECT_EQ(total.ttft.count(), 0u);
  EXPECT_EQ(total.chunk_gap.count(), 0u);
  EXPECT_EQ(total.tpot.count(), 0u);
  EXPECT_EQ(total.tokens_per_s.count(), 0u);
  uint64_t series_tokens = 0;
  for (const TimeSlot& slot : report.metrics.series) {
    series_tokens += slot.output_tokens;
  }
  EXPECT_EQ(series_tokens, 5 * kOutputTokens);

  // The JSON report carries the figures the way other tools read them.
  std::ostringstream out;
  WriteJson(report, out);
  const nlohmann::json json = nlohmann::json::parse(out.str());
  EXPECT_EQ(json["summary"]["tokens"]["prompt"], 5 * kPromptTokens);
  EXPECT_EQ(json["summary"]["tokens"]["output"], 5 * kOutputTokens);
  EXPECT_GT(json["summary"]["estimated_cost_usd"].get<double>(), 0);
  EXPECT_EQ(json["tags"][0]["tokens"]["output"], 5 * kOutputTokens);

  // The same text as text/plain is not read.
  const RunReport plain = RunRequests(OneRequest(server, "/text"), 5);
  ASSERT_EQ(plain.requests(), 5u);
  EXPECT_EQ(plain.errors(), 0u);
  EXPECT_EQ(plain.metrics.total.prompt_tokens, 0u);
  EXPECT_EQ(plain.metrics.total.output_tokens, 0u);
  EXPECT_EQ(plain.estimated_cost_usd(), 0);
}

TEST(EngineJsonUsageTest, FramingAndMediaTypeVariantsAreRead) {
  // Chunked in small pieces (the body arrives over several reads), a
  // structured +json type, and a body delimited by the connection's close.
  std::vector<std::string> pieces;
  for (size_t i = 0; i < kTriageAnswer.size(); i += 7) {
    pieces.push_back(kTriageAnswer.substr(i, 7));
  }
  TestServer server;
  server.Handle("/chunked", test_support::RespondChunked(
                                200, pieces, "application/json", 1ms));
  server.Handle("/vendor",
                Respond(200, kTriageAnswer, "application/vnd.example+json"));
  server.Handle("/close", [](const HttpRequest&, ResponseWriter& writer) {
    RespondJsonUntilClose(kTriageAnswer, writer);
  });

  for (const char* path : {"/chunked", "/vendor", "/close"}) {
    SCOPED_TRACE(path);
    const RunReport report = RunRequests(OneRequest(server, path), 3);
    ASSERT_TRUE(IsConsistent(report));
    ASSERT_EQ(report.requests(), 3u);
    EXPECT_EQ(report.errors(), 0u);
    EXPECT_EQ(report.metrics.total.prompt_tokens, 3 * kPromptTokens);
    EXPECT_EQ(report.metrics.total.output_tokens, 3 * kOutputTokens);
  }
}

// `stream: none` turns body reading off altogether (for high-rate runs whose
// JSON answers carry no usage); forcing a stream format reads the body as
// that stream (here one without events).
TEST(EngineJsonUsageTest, ForcedStreamFormatsDoNotReadWholeJsonUsage) {
  TestServer server;
  server.Handle("/triage", Respond(200, kTriageAnswer, "application/json"));

  for (StreamFormat format : {StreamFormat::kNone, StreamFormat::kSse}) {
    SCOPED_TRACE(static_cast<int>(format));
    const RunReport report =
        RunRequests(OneRequest(server, "/triage", format), 3);
    ASSERT_EQ(report.requests(), 3u);
    EXPECT_EQ(report.errors(), 0u);
    EXPECT_EQ(report.metrics.total.prompt_tokens, 0u);
    EXPECT_EQ(report.metrics.total.output_tokens, 0u);
  }
}

// Bodies are kept for inspection up to 256 KiB; a bigger one is counted
// without usage rather than buffered without bound. Neither is an error, and
// neither is malformed JSON: checks decide what a failed answer is.
TEST(EngineJsonUsageTest, OversizedOrMalformedBodiesReportNoUsage) {
  const std::string usage_tail =
      R"(,"usage":{"prompt_tokens":120,"completion_tokens":30}})";
  const auto answer_of_size = [&](size_t size) {
    const size_t overhead =
        std::string(R"({"response":"")").size() + usage_tail.size();
    return R"({"response":")" + std::string(size - overhead, 'x') + "\"" +
           usage_tail;
  };
  TestServer server;
  server.Handle("/fits",
                Respond(200, answer_of_size(200 * 1024), "application/json"));
  server.Handle("/too-big", Respond(200, answer_of_size(256 * 1024 + 1),
                                    "application/json"));
  server.Handle("/too-big-chunked",
                test_support::RespondChunked(200, {answer_of_size(300 * 1024)},
                                             "application/json"));
  server.Handle("/truncated",
                Respond(200, kTriageAnswer.substr(0, kTriageAnswer.size() - 1),
                        "application/json"));

  const RunReport fits = RunRequests(OneRequest(server, "/fits"), 2);
  ASSERT_EQ(fits.requests(), 2u);
  EXPECT_EQ(fits.errors(), 0u);
  EXPECT_EQ(fits.metrics.total.output_tokens, 2 * kOutputTokens);

  for (const char* path : {"/too-big", "/too-big-chunked", "/truncated"}) {
    SCOPED_TRACE(path);
    const RunReport report = RunRequests(OneRequest(server, path), 2);
    ASSERT_TRUE(IsConsistent(report));
    ASSERT_EQ(report.requests(), 2u);
    EXPECT_EQ(report.errors(), 0u);
    EXPECT_EQ(report.metrics.total.prompt_tokens, 0u);
    EXPECT_EQ(report.metrics.total.output_tokens, 0u);
  }
}

// The body a step's checks and captures read is the same one usage comes
// from: a two-step flow captures an id from a JSON answer that also reports
// usage, and uses it in the next step.
TEST(EngineJsonUsageTest, ChecksAndCapturesShareTheBody) {
  TestServer server;
  server.Handle("/sessions",
                Respond(201,
                        R"({"id":"s-42","usage":{"input_tokens":3,)"
                        R"("output_tokens":4}})",
                        "application/json"));
  server.Handle("/sessions/s-42/reply",
                Respond(200, kTriageAnswer, "application/json"));
  Scenario scenario;
  scenario.name = "flow";
  scenario.base_url = server.base_url();
  scenario.Add(
      Flow{.name = "turn",
           .steps = {{.request = {.name = "open",
                                  .method = "POST",
                                  .url = "/sessions",
                                  .checks = {Check::Status(201),
                                             Check::JsonPresent("/id")},
                                  .captures = {{"session", "/id"}}}},
                     {.request = {.name = "reply",
                                  .url = "/sessions/{session}/reply",
                                  .checks = {Check::JsonEquals(
                                      "/model", R"("gemini-2.0-flash")")}}}}});

  const RunReport report = RunRequests(scenario, 4);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.errors(), 0u);
  const TagStats* open = report.FindTag("open");
  const TagStats* reply = report.FindTag("reply");
  ASSERT_NE(open, nullptr);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(open->prompt_tokens, open->requests * 3);
  EXPECT_EQ(open->output_tokens, open->requests * 4);
  EXPECT_EQ(reply->output_tokens, reply->requests * kOutputTokens);
  EXPECT_EQ(server.CountTarget("/sessions/s-42/reply"), reply->requests);
}

TEST(EngineJsonUsageTest, CostLimitStopsARunOfWholeJsonAnswers) {
  TestServer server;
  server.Handle("/triage", Respond(200, kTriageAnswer, "application/json"));
  RunOptions options = Requests(0);
  options.duration = 20s;
  // 30 output tokens at $1000 per million (prompts free): $0.03 a request.
  options.prices = {.input_per_million = 0, .output_per_million = 1000};
  options.limits.max_cost_usd = 0.1;
  const auto start = std::chrono::steady_clock::now();
  const RunReport report = loadgate::Run(OneRequest(server, "/triage"),
                                         ClosedModel{.users = 1}, options);
  const auto wall = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_NE(report.info.stop_reason, "");
  EXPECT_GE(report.requests(), 4u);
  EXPECT_NEAR(report.estimated_cost_usd(), 0.03 * report.requests(), 1e-9);
  EXPECT_LT(wall, 10s);
}

}  // namespace
}  // namespace loadgate
