// Multi-turn replay of LLM conversations against the real mock LLM: each
// turn goes out with the history the run actually received (checked at the
// mock through its journal of exchanges), in each API's shape, after the
// think time; a failed turn ends its conversation.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/engine.h"
#include "support/mock_llm_http_client.h"
#include "support/service_process.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::ServiceProcess;

constexpr int kTurns = 3;
constexpr auto kThink = 150ms;

std::string MockLlm() {
  return std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm";
}

// A mock that answers fast, with short answers, and journals every
// exchange.
std::vector<std::string> MockArgs(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      MockLlm(),    "--port=0",          "--threads=1",     "--ttft-ms=5",
      "--itl-ms=1", "--output-tokens=6", "--journal=10000", "--seed=7"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Conversation c's turn t asks for 2 + t tokens, so that each turn's limit
// is seen at the mock; the text needs escaping in every API.
std::string UserText(int c, int t) {
  return "conversation " + std::to_string(c) + " turn " + std::to_string(t) +
         ": \"why\"?\n\tcaf\xc3\xa9 \\ \xe2\x9c\x93";
}

std::vector<Conversation> Conversations(int count) {
  std::vector<Conversation> conversations;
  for (int c = 0; c < count; ++c) {
    Conversation conversation;
    conversation.system = "Answer in \"few\" words.";
    for (int t = 0; t < kTurns; ++t) {
      conversation.turns.push_back(
          {.user = UserText(c, t), .max_output_tokens = 2 + t});
    }
    conversations.push_back(std::move(conversation));
  }
  return conversations;
}

Scenario ChatScenario(const ServiceProcess& mock, LlmApi api, bool stream,
                      int conversations) {
  Scenario scenario;
  scenario.name = "engine_llm_replay_test";
  scenario.base_url = mock.url();
  Flow flow;
  flow.name = "chat";
  flow.metric = "conversation";
  LlmConversations& llm = flow.llm.emplace();
  llm.api = api;
  llm.model = api == LlmApi::kGemini ? "gemini-2.0-flash" : "model-x";
  llm.stream = stream;
  llm.conversations = Conversations(conversations);
  llm.think = ThinkTime::Constant(kThink);
  scenario.Add(std::move(flow));
  return scenario;
}

RunReport RunConversations(const Scenario& scenario, int users, int per_user,
                           Shard shard = {}) {
  RunOptions options;
  options.duration = 60s;
  options.graceful_stop = 10s;
  options.threads = 2;
  options.shard = shard;
  return loadgate::Run(
      scenario, ClosedModel{.users = users, .iterations_per_user = per_user},
      options);
}

json Journal(const ServiceProcess& mock) {
  const mock_llm_test::HttpResponse response =
      mock_llm_test::Fetch(mock.port(), "GET", "/admin/journal");
  EXPECT_EQ(response.status, 200) << response.body;
  return json::parse(response.body).at("exchanges");
}

// The journal's exchanges by conversation (its first user message), in the
// order the mock finished them.
std::map<std::string, std::vector<json>> ByConversation(const json& journal) {
  std::map<std::string, std::vector<json>> conversations;
  for (const json& exchange : journal) {
    for (const json& message : exchange.at("messages")) {
      if (message.at("role") == "user") {
        conversations[message.at("text").get<std::string>()].push_back(
            exchange);
        break;
      }
    }
  }
  return conversations;
}

// Turn `turn` of a conversation as the mock received it: the system prompt,
// then each earlier turn's user message and the answer the mock gave it
// (`exchanges[i].text`), then this turn's message and its limit.
void ExpectTurnCarriesHistory(const std::vector<json>& exchanges, int turn,
                              int conversation, std::string_view answer_role,
                              std::string_view api, bool stream) {
  SCOPED_TRACE("conversation " + std::to_string(conversation) + " turn " +
               std::to_string(turn));
  const json& exchange = exchanges[turn];
  EXPECT_EQ(exchange.at("api"), api);
  EXPECT_EQ(exchange.at("stream"), stream);
  EXPECT_EQ(exchange.at("max_tokens"), 2 + turn);
  EXPECT_EQ(exchange.at("output_tokens"), 2 + turn);  // the limit bites
  json expected = json::array();
  expected.push_back(
      {{"role", "system"}, {"text", "Answer in \"few\" words."}});
  for (int t = 0; t < turn; ++t) {
    expected.push_back({{"role", "user"}, {"text", UserText(conversation, t)}});
    expected.push_back(
        {{"role", answer_role}, {"text", exchanges[t].at("text")}});
    EXPECT_NE(exchanges[t].at("text"), "");
  }
  expected.push_back(
      {{"role", "user"}, {"text", UserText(conversation, turn)}});
  EXPECT_EQ(exchange.at("messages"), expected);
}

struct ReplayCase {
  std::string name;
  LlmApi api = LlmApi::kOpenAi;
  bool stream = true;
  std::string url;          // empty: the API's own path
  std::string journal_api;  // as the mock names it
};

class LlmReplayTest : public ::testing::TestWithParam<ReplayCase> {};

TEST_P(LlmReplayTest, EachTurnCarriesTheHistoryItReceived) {
  const ReplayCase& replay = GetParam();
  ServiceProcess mock(MockArgs());
  constexpr int kUsers = 3, kPerUser = 2;
  constexpr int kConversations = kUsers * kPerUser;  // each replayed once
  Scenario scenario =
      ChatScenario(mock, replay.api, replay.stream, kConversations);
  scenario.flows[0].llm->url = replay.url;
  const RunReport report = RunConversations(scenario, kUsers, kPerUser);

  ASSERT_EQ(report.metrics.tags.size(), 1u);
  const TagStats* chat = report.FindTag("chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->requests, uint64_t{kConversations * kTurns});
  EXPECT_EQ(chat->errors, 0u);
  const CustomMetric* conversation = report.FindCustom("conversation");
  ASSERT_NE(conversation, nullptr);
  EXPECT_EQ(conversation->count, uint64_t{kConversations});
  EXPECT_EQ(conversation->failures, 0u);
  // Each conversation waited the think time between its turns.
  const int64_t think_ns = std::chrono::nanoseconds(kThink).count();
  EXPECT_GE(conversation->value.min(), (kTurns - 1) * think_ns * 99 / 100);

  const json journal = Journal(mock);
  ASSERT_EQ(journal.size(), size_t{kConversations * kTurns}) << journal;
  const auto conversations = ByConversation(journal);
  ASSERT_EQ(conversations.size(), size_t{kConversations});
  for (int c = 0; c < kConversations; ++c) {
    const auto found = conversations.find(UserText(c, 0));
    ASSERT_NE(found, conversations.end()) << "conversation " << c;
    ASSERT_EQ(found->second.size(), size_t{kTurns});
    for (int t = 0; t < kTurns; ++t) {
      ExpectTurnCarriesHistory(
          found->second, t, c,
          replay.api == LlmApi::kGemini ? "model" : "assistant",
          replay.journal_api, replay.stream);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryApi, LlmReplayTest,
    ::testing::Values(
        ReplayCase{"OpenAiStreamed", LlmApi::kOpenAi, true, "", "openai"},
        ReplayCase{"OpenAiWhole", LlmApi::kOpenAi, false, "", "openai"},
        ReplayCase{"GeminiStreamed", LlmApi::kGemini, true, "", "gemini"},
        ReplayCase{"GeminiWhole", LlmApi::kGemini, false, "", "gemini"},
        // Without alt=sse: a streamed JSON array, read as one JSON body.
        ReplayCase{"GeminiJsonArray", LlmApi::kGemini, true,
                   "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
                   "gemini"},
        ReplayCase{"VertexStreamed", LlmApi::kGemini, true,
                   "/v1/projects/p/locations/us-central1/publishers/google/"
                   "models/gemini-2.0-flash:streamGenerateContent?alt=sse",
                   "vertex"},
        ReplayCase{"AnthropicStreamed", LlmApi::kAnthropic, true, "",
                   "anthropic"},
        ReplayCase{"AnthropicWhole", LlmApi::kAnthropic, false, "",
                   "anthropic"}),
    [](const ::testing::TestParamInfo<ReplayCase>& info) {
      return info.param.name;
    });

TEST(LlmReplayFailureTest, AFailedFirstTurnEndsTheConversation) {
  // Refused, failed mid-stream by an error event, cut off mid-stream.
  const std::vector<std::pair<std::string, ErrorKind>> faults = {
      {"500", ErrorKind::kHttp5xx},
      {"stream-error", ErrorKind::kProtocol},
      {"disconnect", ErrorKind::kConnectionLost}};
  for (const auto& [fault, kind] : faults) {
    SCOPED_TRACE(fault);
    ServiceProcess mock(MockArgs());
    Scenario scenario = ChatScenario(mock, LlmApi::kOpenAi, true, 4);
    scenario.flows[0].llm->headers = {{"x-mock-llm-fault", fault}};
    const RunReport report = RunConversations(scenario, 2, 2);
    const TagStats* chat = report.FindTag("chat");
    ASSERT_NE(chat, nullptr);
    // One request per conversation: none went on to its second turn.
    EXPECT_EQ(chat->requests, 4u);
    EXPECT_EQ(chat->errors_by_kind[static_cast<int>(kind)], 4u);
    const CustomMetric* conversation = report.FindCustom("conversation");
    ASSERT_NE(conversation, nullptr);
    EXPECT_EQ(conversation->count, 4u);
    EXPECT_EQ(conversation->failures, 4u);
    for (const json& exchange : Journal(mock)) {
      EXPECT_EQ(exchange.at("messages").size(), 2u);  // system, user 0
    }
  }
}

TEST(LlmReplayFailureTest, ConversationsStopAtTheirFirstFailedTurn) {
  // A 500 refused before generation is not journaled: a conversation the
  // journal holds fewer turns of failed on the next one.
  ServiceProcess mock(MockArgs({"--fault=500=0.3"}));
  constexpr int kConversations = 24;
  const Scenario scenario =
      ChatScenario(mock, LlmApi::kAnthropic, true, kConversations);
  const RunReport report = RunConversations(scenario, 4, kConversations / 4);

  const auto conversations = ByConversation(Journal(mock));
  uint64_t journaled = 0, failed = 0;
  for (int c = 0; c < kConversations; ++c) {
    const auto found = conversations.find(UserText(c, 0));
    const int turns = found == conversations.end()
                          ? 0
                          : static_cast<int>(found->second.size());
    ASSERT_LE(turns, kTurns);
    for (int t = 0; t < turns; ++t) {
      ExpectTurnCarriesHistory(found->second, t, c, "assistant", "anthropic",
                               true);
    }
    journaled += turns;
    failed += turns < kTurns;
  }
  const TagStats* chat = report.FindTag("chat");
  ASSERT_NE(chat, nullptr);
  // Every failed conversation sent exactly one request beyond what the
  // journal holds, and nothing after it.
  EXPECT_EQ(chat->requests, journaled + failed);
  EXPECT_EQ(chat->errors, failed);
  EXPECT_EQ(chat->errors_by_kind[static_cast<int>(ErrorKind::kHttp5xx)],
            failed);
  const CustomMetric* conversation = report.FindCustom("conversation");
  ASSERT_NE(conversation, nullptr);
  EXPECT_EQ(conversation->count, uint64_t{kConversations});
  EXPECT_EQ(conversation->failures, failed);
  EXPECT_GT(failed, 0u);
}

TEST(LlmReplayOpenModelTest, EachArrivalIsAConversation) {
  ServiceProcess mock(MockArgs());
  const Scenario scenario = ChatScenario(mock, LlmApi::kGemini, true, 50);
  RunOptions options;
  options.duration = 1s;
  options.graceful_stop = 10s;
  const RunReport report = loadgate::Run(
      scenario, OpenModel{.rate = 10, .max_in_flight = 20}, options);
  // An arrival starts a conversation of three requests, so the schedule's
  // rate is no request rate.
  EXPECT_EQ(report.info.target_rps, 0);
  EXPECT_NE(report.info.load_model.find("iterations/s"), std::string::npos)
      << report.info.load_model;
  const CustomMetric* conversation = report.FindCustom("conversation");
  ASSERT_NE(conversation, nullptr);
  EXPECT_EQ(conversation->count, 10u);
  EXPECT_EQ(conversation->failures, 0u);
  EXPECT_EQ(report.requests(), 10u * kTurns);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(Journal(mock).size(), 10u * kTurns);
}

TEST(LlmReplayShardTest, ShardsReplayDisjointConversations) {
  ServiceProcess mock(MockArgs());
  const Scenario scenario = ChatScenario(mock, LlmApi::kOpenAi, true, 4);
  for (int shard = 0; shard < 2; ++shard) {
    // Each shard's one user replays its share twice over, in order.
    mock_llm_test::Fetch(mock.port(), "DELETE", "/admin/journal");
    const RunReport report =
        RunConversations(scenario, 2, 4, Shard{.index = shard, .count = 2});
    EXPECT_EQ(report.errors(), 0u);
    const json journal = Journal(mock);
    ASSERT_EQ(journal.size(), 4u * kTurns);
    const auto conversations = ByConversation(journal);
    ASSERT_EQ(conversations.size(), 2u) << "shard " << shard;
    for (int c = shard; c < 4; c += 2) {
      ASSERT_EQ(conversations.count(UserText(c, 0)), 1u) << c;
      EXPECT_EQ(conversations.at(UserText(c, 0)).size(), 2u * kTurns);
    }
  }
}

}  // namespace
}  // namespace loadgate
