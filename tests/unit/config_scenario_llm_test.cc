// LLM conversation flows in scenario files: the `llm` block with synthetic
// prompts or a JSONL dataset, token-length distributions, and the error
// each mistake gets (file, field and what was expected).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "engine/token_lengths.h"
#include "loadgate/config.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::TempDir;
using ::testing::HasSubstr;

constexpr char kDataset[] =
    R"({"conversations": [{"from": "human", "value": "one two three"}, )"
    R"({"from": "gpt", "value": "four five"}, )"
    R"({"from": "human", "value": "six"}, {"from": "gpt", "value": "seven"}]})"
    "\n"
    R"({"messages": [{"role": "user", "content": "hello there"}, )"
    R"({"role": "assistant", "content": "hi"}]})"
    "\n";

// A scenario in `dir` with one flow whose llm block is `llm` (YAML flow
// style), loaded from its file so that relative paths resolve there.
class ScenarioLlmTest : public ::testing::Test {
 protected:
  ScenarioLlmTest() { dir_.WriteFile("chats.jsonl", kDataset); }

  ScenarioFile Load(std::string_view llm,
                    std::string_view target = "http://127.0.0.1:8080") {
    const std::string text =
        (target.empty() ? "" : "target: " + std::string(target) + "\n") +
        "load: {users: 2}\nduration: 5s\nflows:\n  - name: chat\n"
        "    metric: conversation\n    llm: " +
        std::string(llm) + "\n";
    return LoadScenarioFile(dir_.WriteFile("scenario.yaml", text));
  }

  Flow LoadFlow(std::string_view llm) {
    ScenarioFile file = Load(llm);
    EXPECT_EQ(file.scenario.flows.size(), 1u);
    return file.scenario.flows.at(0);
  }

  std::string ErrorOf(std::string_view llm,
                      std::string_view target = "http://127.0.0.1:8080") {
    try {
      Load(llm, target);
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "no error";
  }

  std::string File() const { return (dir_.path() / "scenario.yaml").string(); }

  TempDir dir_;
};

TEST_F(ScenarioLlmTest, SyntheticPromptsWithEveryField) {
  const Flow flow = LoadFlow(
      "{api: anthropic, model: claude-sonnet-4-5, stream: false, "
      "url: /v1/messages, headers: {x-api-key: k}, "
      "think: {distribution: uniform, min: 1s, max: 3s}, "
      "synthetic: {input_tokens: {distribution: normal, mean: 40, stddev: 5, "
      "min: 30, max: 50}, output_tokens: {distribution: uniform, min: 4, "
      "max: 8}, turns: 2, conversations: 10, system: be brief, seed: 7}}");
  EXPECT_EQ(flow.name, "chat");
  EXPECT_EQ(flow.metric, "conversation");
  EXPECT_TRUE(flow.steps.empty());
  ASSERT_TRUE(flow.llm.has_value());
  const LlmConversations& llm = *flow.llm;
  EXPECT_EQ(llm.api, LlmApi::kAnthropic);
  EXPECT_EQ(llm.model, "claude-sonnet-4-5");
  EXPECT_FALSE(llm.stream);
  EXPECT_EQ(llm.url, "/v1/messages");
  ASSERT_EQ(llm.headers.size(), 1u);
  EXPECT_EQ(llm.headers[0], (Header{"x-api-key", "k"}));
  EXPECT_EQ(llm.think.kind, ThinkTime::Kind::kUniform);
  EXPECT_EQ(llm.think.max, std::chrono::seconds(3));
  ASSERT_EQ(llm.conversations.size(), 10u);
  for (const Conversation& conversation : llm.conversations) {
    EXPECT_EQ(conversation.system, "be brief");
    ASSERT_EQ(conversation.turns.size(), 2u);
    for (const ConversationTurn& turn : conversation.turns) {
      EXPECT_GE(engine::CountWordTokens(turn.user), 30);
      EXPECT_LE(engine::CountWordTokens(turn.user), 50);
      EXPECT_GE(turn.max_output_tokens, 4);
      EXPECT_LE(turn.max_output_tokens, 8);
    }
  }
}

TEST_F(ScenarioLlmTest, DefaultsAndPlainNumbers) {
  const Flow flow = LoadFlow(
      "{model: gpt-4o-mini, synthetic: {input_tokens: 12, output_tokens: 0, "
      "conversations: 3}}");
  const LlmConversations& llm = *flow.llm;
  EXPECT_EQ(llm.api, LlmApi::kOpenAi);
  EXPECT_TRUE(llm.stream);
  EXPECT_EQ(llm.url, "");  // the API's own path
  EXPECT_EQ(llm.think.kind, ThinkTime::Kind::kNone);
  ASSERT_EQ(llm.conversations.size(), 3u);
  EXPECT_EQ(engine::CountWordTokens(llm.conversations[0].turns[0].user), 12);
  EXPECT_EQ(llm.conversations[0].turns[0].max_output_tokens, 0);
}

TEST_F(ScenarioLlmTest, LengthsSampledFromADatasetRelativeToTheFile) {
  const Flow flow = LoadFlow(
      "{api: gemini, model: gemini-2.0-flash, synthetic: {input_tokens: "
      "{distribution: dataset, file: chats.jsonl}, output_tokens: "
      "{distribution: dataset, file: chats.jsonl, role: assistant}, "
      "conversations: 50}}");
  for (const Conversation& conversation : flow.llm->conversations) {
    const int input = engine::CountWordTokens(conversation.turns[0].user);
    EXPECT_TRUE(input == 3 || input == 1 || input == 2) << input;
    const int output = conversation.turns[0].max_output_tokens;
    EXPECT_TRUE(output == 2 || output == 1) << output;
  }
}

TEST_F(ScenarioLlmTest, DatasetConversationsWithLimits) {
  const Flow flow = LoadFlow(
      "{model: m, dataset: {file: chats.jsonl, output_tokens: dataset, "
      "max_conversations: 1, max_turns: 4}}");
  ASSERT_EQ(flow.llm->conversations.size(), 1u);
  const Conversation& conversation = flow.llm->conversations[0];
  ASSERT_EQ(conversation.turns.size(), 2u);
  EXPECT_EQ(conversation.turns[0].user, "one two three");
  EXPECT_EQ(conversation.turns[0].max_output_tokens, 2);
  EXPECT_EQ(conversation.turns[1].max_output_tokens, 1);

  const Flow drawn = LoadFlow(
      "{model: m, dataset: {file: chats.jsonl, output_tokens: 16, "
      "max_turns: 1}}");
  ASSERT_EQ(drawn.llm->conversations.size(), 2u);
  EXPECT_EQ(drawn.llm->conversations[0].turns.size(), 1u);
  EXPECT_EQ(drawn.llm->conversations[1].turns[0].max_output_tokens, 16);
}

TEST_F(ScenarioLlmTest, ErrorsNameTheFileTheFieldAndWhatWasExpected) {
  const std::string at = File() + ": flows[0].llm";
  EXPECT_EQ(ErrorOf("{model: m}"),
            at + ": expected either \"synthetic\" or \"dataset\" (one of "
                 "them)");
  EXPECT_EQ(ErrorOf("{synthetic: {}}"),
            at + ": missing required field \"model\"");
  EXPECT_EQ(ErrorOf("{model: m, api: cohere, synthetic: {}}"),
            at + ".api: expected one of openai, gemini, anthropic, got "
                 "\"cohere\"");
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {input_tokens: 0}}"),
            at + ".synthetic.input_tokens: expected an integer in [1, "
                 "1048576], got 0");
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {input_tokens: {distribution: "
                    "uniform, min: 9, max: 3}}}"),
            at + ".synthetic.input_tokens: expected min <= max");
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {output_tokens: {distribution: "
                    "poisson}}}"),
            at + ".synthetic.output_tokens.distribution: expected one of "
                 "constant, uniform, normal, dataset, got \"poisson\"");
  EXPECT_EQ(
      ErrorOf("{model: m, synthetic: {output_tokens: {distribution: "
              "uniform, min: 1, max: 2, mean: 3}}}"),
      at + ".synthetic.output_tokens: unknown field \"mean\" (did you mean "
           "\"min\"?)");
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {turns: 0}}"),
            at + ".synthetic.turns: expected an integer in [1, 1000], got 0");
  EXPECT_THAT(ErrorOf("{model: m, synthetic: {input_tokens: 100000, "
                      "conversations: 100000, turns: 100}}"),
              HasSubstr(at + ".synthetic: expected at most 200000000"));
  EXPECT_EQ(ErrorOf("{model: m, dataset: {file: chats.jsonl, "
                    "output_tokens: recorded}}"),
            at + ".dataset.output_tokens: expected \"dataset\", a number of "
                 "tokens or {distribution: ...}, got \"recorded\"");
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {}}", ""),
            at + ": the API's default path is relative, so the scenario "
                 "needs a target (base URL), or give an absolute \"url\"");
}

TEST_F(ScenarioLlmTest, DatasetErrorsNameTheDatasetLine) {
  const std::string bad =
      dir_.WriteFile("bad.jsonl",
                     "{\"messages\": [{\"role\": \"user\", \"content\": "
                     "\"x\"}]}\n{\"conversations\": 3}\n");
  EXPECT_EQ(ErrorOf("{model: m, dataset: {file: bad.jsonl}}"),
            File() + ": flows[0].llm.dataset.file: " + bad +
                ":2: expected \"conversations\" to be a list");
  EXPECT_THAT(
      ErrorOf("{model: m, dataset: {file: missing.jsonl}}"),
      HasSubstr("flows[0].llm.dataset.file: " +
                (dir_.path() / "missing.jsonl").string() + ": cannot open"));
  EXPECT_EQ(ErrorOf("{model: m, synthetic: {input_tokens: {distribution: "
                    "dataset, file: chats.jsonl, role: system}}}"),
            File() +
                ": flows[0].llm.synthetic.input_tokens.role: expected one of "
                "user, assistant, got \"system\"");
}

TEST_F(ScenarioLlmTest, AFlowHasStepsOrAnLlmBlockNotBoth) {
  const std::string text =
      "target: http://127.0.0.1:8080\nload: {users: 1}\nflows:\n"
      "  - {name: x, steps: [{url: /}], llm: {model: m, synthetic: {}}}\n";
  try {
    LoadScenarioFile(dir_.WriteFile("both.yaml", text));
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              (dir_.path() / "both.yaml").string() +
                  ": flows[0].steps: a flow has either steps or an llm "
                  "block, not both");
  }
}

TEST(ScenarioLlmExamplesTest, TheCommentedExamplesLoad) {
  const std::string examples =
      std::string(LOADGATE_SOURCE_DIR) + "/configs/examples/";
  const ScenarioFile synthetic =
      LoadScenarioFile(examples + "llm_synthetic.yaml");
  ASSERT_EQ(synthetic.scenario.flows.size(), 1u);
  ASSERT_TRUE(synthetic.scenario.flows[0].llm.has_value());
  EXPECT_EQ(synthetic.scenario.flows[0].llm->conversations.size(), 500u);
  EXPECT_EQ(synthetic.scenario.flows[0].llm->conversations[0].turns.size(), 2u);
  EXPECT_EQ(synthetic.scenario.request_max_itl_objective,
            std::chrono::seconds(1));

  const ScenarioFile replay =
      LoadScenarioFile(examples + "llm_conversations.yaml");
  ASSERT_TRUE(replay.scenario.flows.at(0).llm.has_value());
  const LlmConversations& llm = *replay.scenario.flows[0].llm;
  EXPECT_EQ(llm.api, LlmApi::kGemini);
  ASSERT_EQ(llm.conversations.size(), 5u);
  EXPECT_EQ(llm.conversations[0].turns.size(), 2u);
  EXPECT_EQ(llm.conversations[4].turns.size(), 3u);

  const ScenarioFile capacity =
      LoadScenarioFile(examples + "llm_capacity.yaml");
  ASSERT_TRUE(capacity.scenario.flows.at(0).llm.has_value());
  EXPECT_EQ(capacity.scenario.flows[0].llm->conversations.size(), 1000u);
  EXPECT_EQ(capacity.objectives.size(), 2u);
}

}  // namespace
}  // namespace loadgate
