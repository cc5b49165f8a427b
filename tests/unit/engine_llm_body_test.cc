// LLM conversation flows in the engine: each API's request body with the
// history of earlier turns and answers, the request every turn is sent as,
// and how a Scenario with Flow::llm compiles (or is rejected).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/llm_body.h"
#include "engine/plan.h"
#include "engine/template.h"

namespace loadgate::engine {
namespace {

Conversation TwoTurns() {
  Conversation conversation;
  conversation.system = "Be \"brief\".";
  conversation.turns = {{.user = "Hi\nthere", .max_output_tokens = 0},
                        {.user = "caf\xc3\xa9?", .max_output_tokens = 7}};
  return conversation;
}

std::string Body(LlmApi api, bool stream, const Conversation& conversation,
                 size_t turn, const std::vector<std::string>& answers) {
  LlmConversations llm;
  llm.api = api;
  llm.model = "m-1";
  llm.stream = stream;
  std::string out = "stale";
  out.clear();
  AppendLlmBody(llm, conversation, turn, answers, out);
  EXPECT_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded())
      << out;
  return out;
}

TEST(LlmBodyTest, OpenAiFirstTurn) {
  EXPECT_EQ(Body(LlmApi::kOpenAi, true, TwoTurns(), 0, {}),
            R"({"model":"m-1","messages":[)"
            R"({"role":"system","content":"Be \"brief\"."},)"
            R"({"role":"user","content":"Hi\nthere"}],)"
            R"("stream":true,"stream_options":{"include_usage":true}})");
}

TEST(LlmBodyTest, OpenAiLaterTurnCarriesTheHistoryInOrder) {
  EXPECT_EQ(Body(LlmApi::kOpenAi, false, TwoTurns(), 1, {"A \\0\t"}),
            R"({"model":"m-1","messages":[)"
            R"({"role":"system","content":"Be \"brief\"."},)"
            R"({"role":"user","content":"Hi\nthere"},)"
            R"({"role":"assistant","content":"A \\0\t"},)"
            "{\"role\":\"user\",\"content\":\"caf\xc3\xa9?\"}],"
            R"("max_completion_tokens":7,"stream":false})");
}

TEST(LlmBodyTest, GeminiUsesContentsWithTheModelRoleAndSystemInstruction) {
  EXPECT_EQ(Body(LlmApi::kGemini, true, TwoTurns(), 1, {"ok"}),
            R"({"systemInstruction":{"parts":[{"text":"Be \"brief\"."}]},)"
            R"("contents":[{"role":"user","parts":[{"text":"Hi\nthere"}]},)"
            R"({"role":"model","parts":[{"text":"ok"}]},)"
            "{\"role\":\"user\",\"parts\":[{\"text\":\"caf\xc3\xa9?\"}]}],"
            R"("generationConfig":{"maxOutputTokens":7}})");
  Conversation plain;
  plain.turns = {{.user = "q"}};
  EXPECT_EQ(Body(LlmApi::kGemini, true, plain, 0, {}),
            R"({"contents":[{"role":"user","parts":[{"text":"q"}]}]})");
}

TEST(LlmBodyTest, AnthropicHasATopLevelSystemAndAlwaysMaxTokens) {
  EXPECT_EQ(Body(LlmApi::kAnthropic, true, TwoTurns(), 0, {}),
            R"({"model":"m-1","system":"Be \"brief\".","messages":[)"
            R"({"role":"user","content":"Hi\nthere"}],)"
            R"("max_tokens":1024,"stream":true})");
  EXPECT_EQ(Body(LlmApi::kAnthropic, false, TwoTurns(), 1, {"\x01"}),
            R"({"model":"m-1","system":"Be \"brief\".","messages":[)"
            R"({"role":"user","content":"Hi\nthere"},)"
            R"({"role":"assistant","content":"\u0001"},)"
            "{\"role\":\"user\",\"content\":\"caf\xc3\xa9?\"}],"
            R"("max_tokens":7,"stream":false})");
}

Flow LlmFlow(LlmApi api) {
  Flow flow;
  flow.name = "chat";
  flow.metric = "conversation";
  flow.llm.emplace();
  flow.llm->api = api;
  flow.llm->model = "gemini-2.0-flash";
  flow.llm->conversations = {TwoTurns()};
  return flow;
}

TEST(LlmTurnRequestTest, DefaultPathsAndHeaders) {
  Flow flow = LlmFlow(LlmApi::kGemini);
  Request request = LlmTurnRequest(flow);
  EXPECT_EQ(request.name, "chat");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url,
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0], Header("Content-Type", "application/json"));
  ASSERT_EQ(request.checks.size(), 1u);
  EXPECT_EQ(request.checks[0].Describe(), "status == 200");
  flow.llm->stream = false;
  EXPECT_EQ(LlmTurnRequest(flow).url,
            "/v1beta/models/gemini-2.0-flash:generateContent");

  flow = LlmFlow(LlmApi::kAnthropic);
  flow.llm->headers = {{"content-type", "application/json; charset=utf-8"}};
  request = LlmTurnRequest(flow);
  EXPECT_EQ(request.url, "/v1/messages");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0].second, "application/json; charset=utf-8");
  EXPECT_EQ(request.headers[1], Header("anthropic-version", "2023-06-01"));

  flow = LlmFlow(LlmApi::kOpenAi);
  flow.llm->url = "http://127.0.0.1:9/proxy/chat";
  EXPECT_EQ(LlmTurnRequest(flow).url, "http://127.0.0.1:9/proxy/chat");
  flow.llm->url.clear();
  EXPECT_EQ(LlmTurnRequest(flow).url, "/v1/chat/completions");
}

Scenario LlmScenario() {
  Scenario scenario;
  scenario.base_url = "http://127.0.0.1:8080/base";
  scenario.headers = {{"Authorization", "Bearer k"}};
  scenario.Add(LlmFlow(LlmApi::kOpenAi));
  return scenario;
}

std::string Render(const Template& compiled) {
  std::string out;
  compiled.AppendTo(out, {}, Escaping::kNone);
  return out;
}

TEST(LlmPlanTest, CompilesAFlowIntoOneTurnStep) {
  Scenario scenario = LlmScenario();
  scenario.flows[0].llm->headers = {{"x-mock-llm-ttft-ms", "5"}};
  scenario.Add(Request{.name = "health", .url = "/health"});
  EXPECT_EQ(scenario.TagNames(), (std::vector<std::string>{"chat", "health"}));
  EXPECT_EQ(scenario.CustomMetricNames(),
            std::vector<std::string>{"conversation"});
  const Plan plan = CompilePlan(scenario);
  ASSERT_EQ(plan.flows.size(), 2u);
  const CompiledFlow& flow = plan.flows[0];
  EXPECT_EQ(flow.llm, &*scenario.flows[0].llm);
  EXPECT_EQ(flow.metric, 0);
  EXPECT_EQ(flow.conversation_sequence, 0);
  EXPECT_EQ(plan.sequences, 1u);
  ASSERT_EQ(flow.steps.size(), 1u);
  const CompiledStep& step = flow.steps[0];
  EXPECT_EQ(step.tag, 0);
  EXPECT_EQ(step.method, "POST");
  EXPECT_EQ(Render(step.target), "/v1/chat/completions");
  EXPECT_TRUE(step.llm_answer);
  EXPECT_FALSE(step.needs_body);
  std::vector<std::string> headers;
  for (const auto& [name, value] : step.headers) {
    headers.push_back(name + ": " + Render(value));
  }
  EXPECT_EQ(headers, (std::vector<std::string>{
                         "Authorization: Bearer k", "x-mock-llm-ttft-ms: 5",
                         "Content-Type: application/json"}));
  EXPECT_EQ(plan.origins[step.origin].host_header, "127.0.0.1:8080");
}

TEST(LlmPlanTest, AFlowWithoutANameIsTaggedByItsRequest) {
  Scenario scenario = LlmScenario();
  scenario.flows[0].name.clear();
  EXPECT_EQ(scenario.TagNames(),
            std::vector<std::string>{"POST /v1/chat/completions"});
}

TEST(LlmPlanTest, IterationsAreRequestsOnlyForOneTurnConversations) {
  Scenario scenario = LlmScenario();
  EXPECT_FALSE(IterationsAreRequests(scenario));
  scenario.flows[0].llm->conversations[0].turns.resize(1);
  EXPECT_TRUE(IterationsAreRequests(scenario));
  scenario.flows[0].llm->conversations.push_back(TwoTurns());
  EXPECT_FALSE(IterationsAreRequests(scenario));
}

std::string CompileError(const Scenario& scenario) {
  try {
    CompilePlan(scenario);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(LlmPlanTest, RejectsBadFlowsNamingTheField) {
  Scenario scenario;
  scenario.base_url = "http://127.0.0.1:8080";
  scenario.Add(Request{.url = "/health"});
  scenario.Add(Request{.url = "/ready"});
  scenario.Add(LlmFlow(LlmApi::kOpenAi));
  Flow& flow = scenario.flows[2];

  flow.llm->conversations.clear();
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.conversations: expected at least one "
            "conversation");
  flow.llm->conversations = {TwoTurns(), Conversation{}};
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.conversations[1].turns: expected at least "
            "one turn");
  flow.llm->conversations = {TwoTurns()};
  flow.llm->conversations[0].turns[1].max_output_tokens = -1;
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.conversations[0].turns[1]."
            "max_output_tokens: expected a number >= 0 (0: none)");
  flow.llm->conversations = {TwoTurns()};
  flow.llm->api = static_cast<LlmApi>(9);
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.api: unknown API 9 (expected openai, "
            "gemini or anthropic)");
  flow.llm->api = LlmApi::kGemini;
  flow.llm->model.clear();
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.model: expected a model (it is in "
            "Gemini's path) or a url");
  flow.llm->url = "/v1beta/models/g:generateContent";
  EXPECT_EQ(CompileError(scenario), "");
  flow.llm->api = LlmApi::kAnthropic;
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.model: expected a model (the API requires "
            "one)");
  flow.llm->model = "claude";
  flow.llm->think =
      ThinkTime::Uniform(std::chrono::seconds(2), std::chrono::seconds(1));
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].llm.think.max: expected >= min");
  flow.llm->think = ThinkTime::None();
  flow.steps.push_back(Step{Request{.url = "/x"}, std::nullopt});
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[2].steps: a flow with llm sends its "
            "conversations and has no steps");
  flow.steps.clear();
  flow.llm->url = "relative";
  scenario.base_url.clear();
  scenario.flows.erase(scenario.flows.begin(), scenario.flows.begin() + 2);
  EXPECT_EQ(CompileError(scenario),
            "scenario.flows[0].llm.url: relative URL \"relative\" needs "
            "scenario.base_url");
}

}  // namespace
}  // namespace loadgate::engine
