// Content, token accounting, routing, request parsing, response shapes,
// configuration and quotas of the mock LLM (no sockets).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "mock_llm/config.h"
#include "mock_llm/protocol.h"
#include "mock_llm/quota.h"
#include "mock_llm/text.h"

namespace loadgate::services::mock_llm {
namespace {

using nlohmann::json;
using testing::HasSubstr;

std::string Generate(uint64_t seed, int tokens) {
  TokenSource source = TokenSource::Generated(seed);
  std::string text;
  for (int i = 0; i < tokens; ++i) EXPECT_TRUE(source.Next(&text));
  return text;
}

TEST(MockLlmContentTest, TokenCountsMatchTheGeneratedText) {
  EXPECT_EQ(CountTokens(""), 0);
  EXPECT_EQ(CountTokens("  one two\tthree\n"), 3);
  for (int tokens : {1, 7, 64, 500}) {
    EXPECT_EQ(CountTokens(Generate(42, tokens)), tokens);
  }
}

TEST(MockLlmContentTest, GenerationIsDeterministicPerSeed) {
  EXPECT_EQ(Generate(1, 50), Generate(1, 50));
  EXPECT_NE(Generate(1, 50), Generate(2, 50));
  // A longer response starts like a shorter one with the same seed.
  EXPECT_EQ(Generate(3, 80).substr(0, Generate(3, 20).size()), Generate(3, 20));
}

TEST(MockLlmContentTest, TextSourcesReplayTheirTokens) {
  const std::string text = "  Hello,   wide\nworld!  ";
  TokenSource source = TokenSource::FromText(text);
  EXPECT_EQ(source.remaining(), 3);
  std::string out;
  std::vector<std::string> pieces;
  while (true) {
    std::string piece;
    if (!source.Next(&piece)) break;
    pieces.push_back(piece);
    out += piece;
  }
  EXPECT_THAT(pieces, testing::ElementsAre("Hello,", "   wide", "\nworld!"));
  EXPECT_EQ(out, "Hello,   wide\nworld!");
  EXPECT_EQ(CountTokens(out), 3);
}

TEST(MockLlmContentTest, MatchesEveryRouteForm) {
  auto route =
      MatchRoute("POST", "/v1beta/models/gemini-2.0-flash:generateContent");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->api, Api::kGemini);
  EXPECT_EQ(route->model, "gemini-2.0-flash");
  EXPECT_FALSE(route->stream);

  route = MatchRoute("POST",
                     "/v1beta1/projects/p-1/locations/us-central1/publishers/"
                     "google/models/gemini-2.5-pro:streamGenerateContent");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->api, Api::kVertex);
  EXPECT_EQ(route->model, "gemini-2.5-pro");
  EXPECT_TRUE(route->stream);

  route = MatchRoute("POST",
                     "/v1/publishers/google/models/gemini-2.5-pro:countTokens");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->api, Api::kVertex);
  EXPECT_EQ(route->action, Action::kCountTokens);

  EXPECT_EQ(MatchRoute("POST", "/v1/chat/completions")->api, Api::kOpenAiChat);
  EXPECT_EQ(MatchRoute("POST", "/v1/completions")->api,
            Api::kOpenAiCompletions);
  EXPECT_EQ(MatchRoute("POST", "/v1/embeddings")->action, Action::kEmbed);
  EXPECT_EQ(MatchRoute("POST", "/v1/messages")->api, Api::kAnthropic);
  EXPECT_EQ(MatchRoute("GET", "/v1/models")->action, Action::kListModels);
  EXPECT_EQ(MatchRoute("GET", "/v1beta/models")->api, Api::kGemini);
}

TEST(MockLlmContentTest, UnknownRoutesAndModelFormsAreNotMatched) {
  for (const char* path :
       {"/", "/v2/chat/completions", "/v1beta/models/gemini:explode",
        "/v1beta/models/:generateContent", "/v1beta/models/gemini",
        "/v1beta/models/a/b:generateContent",
        "/v1beta1/projects/p/publishers/google/models/m:generateContent",
        "/v1beta1/projects/p/locations/l/publishers/openai/models/"
        "m:generateContent",
        "/v1beta1/projects//locations/l/publishers/google/models/"
        "m:generateContent"}) {
    EXPECT_FALSE(MatchRoute("POST", path)) << path;
  }
  EXPECT_FALSE(MatchRoute("GET", "/v1/chat/completions"));
  EXPECT_FALSE(MatchRoute("DELETE", "/v1/models"));
}

std::string ParseError(const char* method, const char* path,
                       std::string_view body) {
  auto route = MatchRoute(method, path);
  EXPECT_TRUE(route) << path;
  GenerationRequest request;
  const Status parsed = ParseRequest(&*route, body, &request);
  EXPECT_FALSE(parsed.ok()) << path << " " << body;
  return parsed.message();
}

TEST(MockLlmContentTest, RejectsMalformedAndIncompleteRequests) {
  const char* gemini = "/v1beta/models/g:generateContent";
  EXPECT_THAT(ParseError("POST", gemini, "{not json"),
              HasSubstr("Invalid JSON"));
  EXPECT_THAT(ParseError("POST", gemini, "[]"), HasSubstr("JSON object"));
  EXPECT_THAT(ParseError("POST", gemini, "{}"), HasSubstr("contents"));
  ParseError("POST", gemini, R"({"contents":[{"parts":"x"}]})");
  ParseError("POST", gemini, R"({"contents":[{"parts":[{"text":1}]}]})");
  ParseError(
      "POST", gemini,
      R"({"contents":[{"parts":[]}],"generationConfig":{"maxOutputTokens":-2}})");

  const char* chat = "/v1/chat/completions";
  EXPECT_THAT(ParseError("POST", chat,
                         R"({"messages":[{"role":"user","content":"x"}]})"),
              HasSubstr("model"));
  EXPECT_THAT(ParseError("POST", chat, R"({"model":"m"})"),
              HasSubstr("messages"));
  ParseError("POST", chat, R"({"model":"m","messages":[]})");
  ParseError("POST", chat, R"({"model":"m","messages":[{"content":"x"}]})");
  ParseError(
      "POST", chat,
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})");
  ParseError("POST", "/v1/completions", R"({"model":"m"})");
  ParseError("POST", "/v1/completions", R"({"model":"m","prompt":[1]})");
  ParseError("POST", "/v1/embeddings", R"({"model":"m"})");
  ParseError("POST", "/v1/embeddings",
             R"({"model":"m","input":"x","encoding_format":"hex"})");
  EXPECT_THAT(
      ParseError("POST", "/v1/messages",
                 R"({"model":"m","messages":[{"role":"user","content":"x"}]})"),
      HasSubstr("max_tokens"));
}

TEST(MockLlmContentTest, ParsesPromptsAndLimits) {
  auto route = MatchRoute("POST", "/v1/messages");
  GenerationRequest request;
  const Status parsed = ParseRequest(
      &*route,
      R"({"model":"claude","max_tokens":9,"system":"Be brief.","stream":true,
          "messages":[{"role":"user","content":[{"type":"text","text":"Hi there"}]}]})",
      &request);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(route->model, "claude");
  EXPECT_TRUE(route->stream);
  EXPECT_EQ(request.max_tokens, 9);
  EXPECT_EQ(request.prompt, "Be brief.\nHi there");
  EXPECT_EQ(CountTokens(request.prompt), 4);
}

// Every streamed event must be one valid JSON document.
std::vector<json> SseData(const std::string& body) {
  std::vector<json> events;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find('\n', pos);
    std::string data = body.substr(pos + 6, end - pos - 6);
    if (!data.empty() && data.back() == '\r') data.pop_back();
    if (data != "[DONE]") events.push_back(json::parse(data));
    pos = end;
  }
  return events;
}

TEST(MockLlmContentTest, GeminiChunksCarryUsageOnlyWhereRealOnesDo) {
  ResponseContext context;
  context.api = Api::kGemini;
  context.framing = Framing::kSse;
  context.crlf = true;
  context.model = "gemini-2.0-flash";
  context.id = "r1";
  context.prompt_tokens = 4;
  std::string out;
  AppendStreamChunk(context, "Hello \"quoted\"\n", 1, false, false, &out);
  AppendStreamChunk(context, " world", 2, true, false, &out);
  AppendStreamClose(context, 2, false, &out);
  EXPECT_THAT(out, HasSubstr("\r\n\r\n"));
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  const std::vector<json> events = SseData(out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["candidates"][0]["content"]["parts"][0]["text"],
            "Hello \"quoted\"\n");
  EXPECT_FALSE(events[0]["candidates"][0].contains("finishReason"));
  EXPECT_EQ(events[0]["usageMetadata"],
            (json{{"promptTokenCount", 4}, {"totalTokenCount", 4}}));
  EXPECT_EQ(events[1]["candidates"][0]["finishReason"], "STOP");
  EXPECT_EQ(events[1]["usageMetadata"], (json{{"promptTokenCount", 4},
                                              {"candidatesTokenCount", 2},
                                              {"totalTokenCount", 6}}));
}

TEST(MockLlmContentTest, GeminiJsonArrayStreamIsOneJsonArray) {
  ResponseContext context;
  context.api = Api::kGemini;
  context.framing = Framing::kJsonArray;
  std::string out;
  AppendStreamChunk(context, "a", 1, false, false, &out);
  AppendStreamChunk(context, " b", 2, true, true, &out);
  AppendStreamClose(context, 2, true, &out);
  const json array = json::parse(out);
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(array[1]["candidates"][0]["finishReason"], "MAX_TOKENS");
}

TEST(MockLlmContentTest, OpenAiStreamEndsWithFinishUsageAndDone) {
  ResponseContext context;
  context.api = Api::kOpenAiChat;
  context.framing = Framing::kSse;
  context.include_usage = true;
  context.role_content_null = true;
  context.prompt_tokens = 3;
  std::string out;
  AppendStreamOpen(context, &out);
  AppendStreamChunk(context, "x", 1, true, false, &out);
  AppendStreamClose(context, 1, false, &out);
  EXPECT_THAT(out, testing::EndsWith("data: [DONE]\n\n"));
  const std::vector<json> events = SseData(out);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0]["choices"][0]["delta"]["content"].is_null());
  EXPECT_EQ(events[1]["choices"][0]["delta"]["content"], "x");
  EXPECT_EQ(events[2]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events[3]["usage"]["total_tokens"], 4);
  EXPECT_TRUE(events[3]["choices"].empty());
}

TEST(MockLlmContentTest, AnthropicStreamHasEveryEventInOrder) {
  ResponseContext context;
  context.api = Api::kAnthropic;
  context.framing = Framing::kSse;
  context.prompt_tokens = 2;
  std::string out;
  AppendStreamOpen(context, &out);
  AppendStreamChunk(context, "x", 1, true, true, &out);
  AppendStreamClose(context, 1, true, &out);
  std::vector<std::string> types;
  for (const json& event : SseData(out)) types.push_back(event["type"]);
  EXPECT_THAT(types,
              testing::ElementsAre("message_start", "content_block_start",
                                   "content_block_delta", "content_block_stop",
                                   "message_delta", "message_stop"));
  EXPECT_THAT(out, HasSubstr("event: message_delta\ndata: "));
  EXPECT_THAT(out, HasSubstr("\"stop_reason\":\"max_tokens\""));
}

TEST(MockLlmContentTest, ErrorsHaveEachProviderShape) {
  const json google = json::parse(ErrorBody(Api::kVertex, 429, "slow down"));
  EXPECT_EQ(google, (json{{"error",
                           {{"code", 429},
                            {"message", "slow down"},
                            {"status", "RESOURCE_EXHAUSTED"}}}}));
  const json openai = json::parse(ErrorBody(Api::kOpenAiChat, 500, "boom"));
  EXPECT_EQ(openai["error"]["type"], "server_error");
  EXPECT_EQ(openai["error"]["message"], "boom");
  const json anthropic = json::parse(ErrorBody(Api::kAnthropic, 413, "big"));
  EXPECT_EQ(anthropic["type"], "error");
  EXPECT_EQ(anthropic["error"]["type"], "request_too_large");
}

TEST(MockLlmContentTest, ConfigJsonRoundTripsAndRejectsMistakes) {
  Config config;
  const Status applied = ApplyJson(json::parse(R"({
      "ttft_ms": {"distribution": "uniform", "min": 10, "max": 20},
      "itl_ms": 5, "output_tokens": 30, "seed": 9, "content": "echo",
      "faults": {"429": 0.25, "stream-error": 0.5},
      "requests_per_minute": 60, "sse_crlf": true,
      "openai_role_content": "null"})"),
                                   &config);
  ASSERT_TRUE(applied.ok()) << applied.message();
  EXPECT_EQ(config.ttft_ms.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(config.ttft_ms.max, 20);
  EXPECT_EQ(config.output_tokens.mean, 30);
  EXPECT_EQ(config.FaultProbability(Fault::kRateLimit), 0.25);
  EXPECT_EQ(config.FaultProbability(Fault::kStreamError), 0.5);
  EXPECT_TRUE(config.openai_role_content_null);

  Config round_trip;
  const Status round_tripped = ApplyJson(ToJson(config), &round_trip);
  ASSERT_TRUE(round_tripped.ok()) << round_tripped.message();
  EXPECT_EQ(ToJson(round_trip), ToJson(config));

  for (const char* bad :
       {R"({"ttft": 1})", R"({"itl_ms": -1})", R"({"faults": {"429": 2}})",
        R"({"faults": {"teapot": 0.1}})",
        R"({"ttft_ms": {"distribution": "zipf"}})",
        R"({"content": "canned", "canned": []})",
        R"({"tokens_per_chunk": 0})"}) {
    Config unchanged = config;
    EXPECT_FALSE(ApplyJson(json::parse(bad), &unchanged).ok()) << bad;
    EXPECT_EQ(ToJson(unchanged), ToJson(config)) << bad;
  }
}

TEST(MockLlmContentTest, LoadsConfigAndCannedFiles) {
  const std::string dir = testing::TempDir();
  const std::string canned = dir + "/mock_llm_canned.json";
  std::ofstream(canned) << R"(["first answer", "second answer here"])";
  const std::string file = dir + "/mock_llm_config.json";
  std::ofstream(file) << R"({"port": 0, "threads": 3, "content": "canned",
                             "canned_file": ")"
                      << canned << R"("})";
  Config config;
  ListenSettings listen;
  const Status loaded = LoadConfigFile(file, &config, &listen);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(listen.port, 0);
  EXPECT_EQ(listen.threads, 3);
  EXPECT_THAT(config.canned,
              testing::ElementsAre("first answer", "second answer here"));
  EXPECT_FALSE(LoadConfigFile(dir + "/missing.json", &config, &listen).ok());
  std::remove(canned.c_str());
  std::remove(file.c_str());
}

TEST(MockLlmContentTest, QuotasDepleteAndRefill) {
  QuotaLimiter limiter;
  const auto t0 = QuotaLimiter::Clock::time_point{} + std::chrono::hours(1);
  // 3 requests and 100 tokens per minute.
  auto admit = [&](const char* key, int64_t tokens, double at_seconds) {
    return limiter.Admit(
        key, "m", tokens, 3, 100,
        t0 + std::chrono::duration_cast<QuotaLimiter::Clock::duration>(
                 std::chrono::duration<double>(at_seconds)));
  };
  auto first = admit("k", 10, 0);
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.limit_requests, 3);
  EXPECT_EQ(first.remaining_requests, 2);
  EXPECT_EQ(first.remaining_tokens, 90);
  EXPECT_NEAR(first.reset_requests_seconds, 20, 1e-6);
  EXPECT_TRUE(admit("k", 10, 0).allowed);
  EXPECT_TRUE(admit("k", 10, 0).allowed);
  auto refused = admit("k", 10, 0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining_requests, 0);
  EXPECT_NEAR(refused.retry_after_seconds, 20, 1e-6);
  EXPECT_TRUE(admit("other-key", 10, 0).allowed);
  // One request refills every 20 s.
  EXPECT_FALSE(admit("k", 10, 19.9).allowed);
  EXPECT_TRUE(admit("k", 10, 20.1).allowed);
  // Tokens refill at 100/60 per second up to 100: full again by 40.2 s.
  auto big = admit("k", 95, 40.2);
  EXPECT_TRUE(big.allowed);
  EXPECT_EQ(big.remaining_tokens, 5);
  auto tokens_refused = admit("k", 50, 40.2);
  EXPECT_FALSE(tokens_refused.allowed);
  EXPECT_EQ(tokens_refused.remaining_tokens, 5);  // a refusal takes nothing
  EXPECT_NEAR(tokens_refused.retry_after_seconds, 45 * 0.6, 1e-6);
  EXPECT_FALSE(admit("k", 50, 40.2 + 26.9).allowed);
  EXPECT_TRUE(admit("k", 50, 40.2 + 27.01).allowed);
}

}  // namespace
}  // namespace loadgate::services::mock_llm
