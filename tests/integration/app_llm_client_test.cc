// The LLM client: URLs, both wire formats, and the asynchronous call's
// outcomes against a scripted server (answer, provider error, hang,
// refused connection).
#include <event2/event.h>
#include <event2/thread.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/llm_client.h"
#include "common/http_client.h"
#include "gtest/gtest.h"
#include "support/test_server.h"

namespace app = loadgate::services::app;
namespace services = loadgate::services;

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using loadgate::test_support::Respond;
using loadgate::test_support::TestServer;

TEST(LlmUrlTest, ParsesHostPortAndPrefix) {
  app::LlmSettings settings;
  ASSERT_TRUE(app::ParseLlmUrl("http://127.0.0.1:9000/proxy/", &settings).ok());
  EXPECT_EQ(settings.host, "127.0.0.1");
  EXPECT_EQ(settings.port, 9000);
  EXPECT_EQ(settings.path_prefix, "/proxy");
  ASSERT_TRUE(app::ParseLlmUrl("http://[::1]:81", &settings).ok());
  EXPECT_EQ(settings.host, "::1");
  EXPECT_EQ(settings.port, 81);
  EXPECT_EQ(settings.path_prefix, "");
  EXPECT_FALSE(app::ParseLlmUrl("https://example.com", &settings).ok());
  EXPECT_FALSE(app::ParseLlmUrl("http://host:99999", &settings).ok());
  EXPECT_FALSE(app::ParseLlmUrl("http://:80", &settings).ok());
}

TEST(LlmWireTest, BuildsGeminiAndOpenAiRequests) {
  app::LlmPrompt prompt{"be brief", {{true, "hi"}, {false, "hello"}}};
  app::LlmSettings settings;
  settings.model = "gemini-2.5-flash";
  settings.path_prefix = "/p";
  EXPECT_EQ(app::LlmRequestTarget(settings),
            "/p/v1beta/models/gemini-2.5-flash:generateContent");
  const json gemini = json::parse(
      app::LlmRequestBody(app::LlmApi::kGemini, settings.model, prompt));
  EXPECT_EQ(gemini["systemInstruction"]["parts"][0]["text"], "be brief");
  EXPECT_EQ(gemini["contents"][0]["role"], "user");
  EXPECT_EQ(gemini["contents"][1]["role"], "model");
  EXPECT_EQ(gemini["contents"][1]["parts"][0]["text"], "hello");

  settings.api = app::LlmApi::kOpenAi;
  EXPECT_EQ(app::LlmRequestTarget(settings), "/p/v1/chat/completions");
  const json openai =
      json::parse(app::LlmRequestBody(app::LlmApi::kOpenAi, "gpt-4o", prompt));
  EXPECT_EQ(openai["model"], "gpt-4o");
  EXPECT_EQ(openai["messages"][0]["role"], "system");
  EXPECT_EQ(openai["messages"][2]["role"], "assistant");
}

TEST(LlmWireTest, ParsesAnswersAndRejectsOtherShapes) {
  app::LlmResult result;
  services::Status read = app::ParseLlmResponse(
      app::LlmApi::kGemini,
      R"({"candidates":[{"content":{"parts":[{"text":"a"},{"text":"b"}]}}],
          "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,
          "totalTokenCount":5},"modelVersion":"gemini-x"})",
      &result);
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(result.text, "ab");
  EXPECT_EQ(result.model, "gemini-x");
  EXPECT_EQ(result.total_tokens, 5);
  read = app::ParseLlmResponse(
      app::LlmApi::kOpenAi,
      R"({"model":null,"choices":[{"message":{"content":"ok","refusal":null}}],
          "usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}})",
      &result);
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(result.text, "ok");
  EXPECT_EQ(result.completion_tokens, 1);
  for (const char* bad : {"", "[]", R"({"candidates":[]})",
                          R"({"candidates":[{"content":{"parts":"x"}}]})"}) {
    EXPECT_FALSE(app::ParseLlmResponse(app::LlmApi::kGemini, bad, &result).ok())
        << bad;
  }
  EXPECT_FALSE(app::ParseLlmResponse(app::LlmApi::kOpenAi,
                                     R"({"choices":[{"message":{}}]})", &result)
                   .ok());
  EXPECT_FALSE(app::ParseLlmResponse(app::LlmApi::kOpenAi,
                                     R"({"choices":["x"]})", &result)
                   .ok());
  // An answer nested 100k deep is refused, not copied level by level.
  const std::string deep = "{\"choices\":" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  EXPECT_FALSE(app::ParseLlmResponse(app::LlmApi::kOpenAi, deep, &result).ok());
}

class LlmCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    evthread_use_pthreads();
    base_ = event_base_new();
    http_ = std::make_unique<services::HttpClient>(base_);
  }
  void TearDown() override {
    http_.reset();
    event_base_free(base_);
  }

  app::LlmResult Call(const std::string& url,
                      std::chrono::milliseconds timeout = 5000ms) {
    app::LlmSettings settings;
    const services::Status parsed = app::ParseLlmUrl(url, &settings);
    EXPECT_TRUE(parsed.ok()) << parsed.message();
    settings.timeout = timeout;
    settings.api_key = "k";
    std::optional<app::LlmResult> result;
    app::CallLlm(*http_, settings, {"", {{true, "hi"}}},
                 "0123456789abcdef0123456789abcdef",
                 [&](app::LlmResult r) { result = std::move(r); });
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!result && std::chrono::steady_clock::now() < deadline)
      event_base_loop(base_, EVLOOP_ONCE);
    EXPECT_TRUE(result.has_value());
    return result.value_or(app::LlmResult{});
  }

  event_base* base_ = nullptr;
  std::unique_ptr<services::HttpClient> http_;
};

TEST_F(LlmCallTest, ReturnsTheAnswerAndSendsTraceAndKey) {
  TestServer server;
  server.Handle(
      "/v1beta/models/*",
      Respond(200,
              R"({"candidates":[{"content":{"parts":[{"text":"fine"}]}}],
                            "usageMetadata":{"totalTokenCount":7}})",
              loadgate::test_support::kJson));
  for (int i = 0; i < 2; ++i) {  // the second call reuses the connection
    const app::LlmResult result = Call(server.base_url());
    EXPECT_EQ(result.outcome, app::LlmResult::Outcome::kOk) << result.error;
    EXPECT_EQ(result.text, "fine");
    EXPECT_EQ(result.total_tokens, 7);
    EXPECT_EQ(result.model, "gemini-2.0-flash");  // the configured one
  }
  EXPECT_EQ(server.requests(), 2u);
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(LlmCallTest, ProviderErrorsRefusalsAndHangsAreReported) {
  TestServer server;
  server.Handle("/v1beta/models/*",
                Respond(429, R"({"error":{"message":"slow down"}})",
                        loadgate::test_support::kJson));
  app::LlmResult limited = Call(server.base_url());
  EXPECT_EQ(limited.outcome, app::LlmResult::Outcome::kError);
  EXPECT_EQ(limited.upstream_status, 429);
  EXPECT_NE(limited.error.find("slow down"), std::string::npos);

  server.Handle("/v1beta/models/*", loadgate::test_support::Hang());
  const auto start = std::chrono::steady_clock::now();
  app::LlmResult hung = Call(server.base_url(), 200ms);
  EXPECT_EQ(hung.outcome, app::LlmResult::Outcome::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  EXPECT_EQ(http_->in_flight(), 0u);

  loadgate::test_support::RefusingPort refusing;
  app::LlmResult refused = Call(refusing.base_url());
  EXPECT_EQ(refused.outcome, app::LlmResult::Outcome::kError);
  EXPECT_EQ(refused.upstream_status, 0);
  server.Stop();
}

}  // namespace
