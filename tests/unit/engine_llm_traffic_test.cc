// Token-length distributions, synthetic prompts and conversations, and
// JSONL datasets (ShareGPT and OpenAI messages) with their errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/prompt_words.h"
#include "engine/random.h"
#include "engine/token_lengths.h"
#include "loadgate/llm_traffic.h"
#include "support/sample_moments.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::MomentsOf;
using test_support::SampleMoments;
using test_support::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<int> Draw(const TokenLengths& lengths, int count) {
  engine::Rng rng(11);
  std::vector<int> values;
  for (int i = 0; i < count; ++i)
    values.push_back(engine::SampleTokenLength(lengths, rng));
  return values;
}

template <typename Load>
std::string ErrorOf(Load load) {
  try {
    load();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

TEST(CountWordTokensTest, CountsRunsOfNonSpaceLikeTheMock) {
  EXPECT_EQ(engine::CountWordTokens(""), 0);
  EXPECT_EQ(engine::CountWordTokens(" \t\n"), 0);
  EXPECT_EQ(engine::CountWordTokens("  a  bc\td\n"), 3);
  EXPECT_EQ(engine::CountWordTokens("don't, stop."), 2);
}

TEST(SyntheticPromptTextTest, HasExactlyTheRequestedTokensByTheMocksCount) {
  for (int tokens : {0, 1, 2, 17, 512, 4096}) {
    const std::string text = SyntheticPromptText(tokens, tokens * 3 + 1);
    EXPECT_EQ(engine::CountWordTokens(text), tokens);
    EXPECT_EQ(text.find("  "), std::string::npos);
    if (tokens > 0) {
      EXPECT_NE(text.front(), ' ');
      EXPECT_NE(text.back(), ' ');
    }
  }
}

TEST(SyntheticPromptTextTest, IsDeterministicInTheSeedAndUsesTheWordList) {
  EXPECT_EQ(SyntheticPromptText(64, 5), SyntheticPromptText(64, 5));
  EXPECT_NE(SyntheticPromptText(64, 5), SyntheticPromptText(64, 6));
  const auto& words = engine::PromptWords();
  const std::set<std::string_view> known(words.begin(), words.end());
  EXPECT_EQ(known.size(), words.size()) << "the word list repeats a word";
  std::set<std::string> used;
  const std::string text = SyntheticPromptText(20000, 1);
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find(' ', start), text.size());
    const std::string word = text.substr(start, end - start);
    EXPECT_TRUE(known.count(word)) << word;
    used.insert(word);
    start = end + 1;
  }
  EXPECT_EQ(used.size(), words.size()) << "every word is drawn";
}

TEST(TokenLengthsTest, ConstantAndUniformStayInTheirRange) {
  for (int value : Draw(TokenLengths::Constant(128), 100))
    EXPECT_EQ(value, 128);
  const std::vector<int> uniform = Draw(TokenLengths::Uniform(64, 256), 20000);
  EXPECT_EQ(*std::min_element(uniform.begin(), uniform.end()), 64);
  EXPECT_EQ(*std::max_element(uniform.begin(), uniform.end()), 256);
  const SampleMoments moments = MomentsOf(uniform);
  // Integers in [64, 256]: mean 160, stddev sqrt((193^2 - 1) / 12) = 55.7.
  EXPECT_NEAR(moments.mean, 160, 1.5);
  EXPECT_NEAR(moments.stddev, 55.7, 1.5);
}

TEST(TokenLengthsTest, NormalReproducesItsMeanAndSpreadWithinWideBounds) {
  const SampleMoments moments =
      MomentsOf(Draw(TokenLengths::Normal(512, 128, 1, 4096), 20000));
  EXPECT_NEAR(moments.mean, 512, 4);
  EXPECT_NEAR(moments.stddev, 128, 3);
}

TEST(TokenLengthsTest, NormalIsClampedToItsBounds) {
  const std::vector<int> values =
      Draw(TokenLengths::Normal(100, 50, 80, 120), 5000);
  EXPECT_EQ(*std::min_element(values.begin(), values.end()), 80);
  EXPECT_EQ(*std::max_element(values.begin(), values.end()), 120);
  // Symmetric bounds keep the mean; clamping narrows the spread.
  const SampleMoments moments = MomentsOf(values);
  EXPECT_NEAR(moments.mean, 100, 1.5);
  EXPECT_LT(moments.stddev, 20);
}

TEST(TokenLengthsTest, SampledDrawsOnlyItsSamples) {
  const TokenLengths lengths = TokenLengths::Sampled({10, 20, 60});
  EXPECT_DOUBLE_EQ(lengths.mean, 30);
  std::set<int> seen;
  for (int value : Draw(lengths, 300)) seen.insert(value);
  EXPECT_THAT(seen, ElementsAre(10, 20, 60));
}

TEST(TokenLengthsTest, DescribeSaysTheDistribution) {
  EXPECT_EQ(TokenLengths::Constant(128).Describe(), "constant 128");
  EXPECT_EQ(TokenLengths::Uniform(64, 256).Describe(), "uniform 64..256");
  EXPECT_EQ(TokenLengths::Normal(512, 128, 64, 2048).Describe(),
            "normal 512 ± 128 in [64, 2048]");
  EXPECT_EQ(TokenLengths::Sampled({1, 2}).Describe(),
            "sampled from 2 lengths (mean 1.5)");
  EXPECT_STREQ(LlmApiName(LlmApi::kGemini), "gemini");
}

TEST(SynthesizeConversationsTest, TurnsFollowTheRequestedDistributions) {
  SyntheticPrompts prompts;
  prompts.input_tokens = TokenLengths::Normal(300, 60, 1, 2000);
  prompts.output_tokens = TokenLengths::Uniform(10, 30);
  prompts.turns = 3;
  prompts.conversations = 2000;
  prompts.system = "be brief";
  prompts.seed = 7;
  const std::vector<Conversation> conversations =
      SynthesizeConversations(prompts);
  ASSERT_EQ(conversations.size(), 2000u);
  std::vector<int> inputs, outputs;
  for (const Conversation& conversation : conversations) {
    EXPECT_EQ(conversation.system, "be brief");
    ASSERT_EQ(conversation.turns.size(), 3u);
    for (const ConversationTurn& turn : conversation.turns) {
      inputs.push_back(engine::CountWordTokens(turn.user));
      outputs.push_back(turn.max_output_tokens);
    }
  }
  const SampleMoments input = MomentsOf(inputs), output = MomentsOf(outputs);
  EXPECT_NEAR(input.mean, 300, 2.5);
  EXPECT_NEAR(input.stddev, 60, 2);
  EXPECT_NEAR(output.mean, 20, 0.3);
  EXPECT_EQ(*std::min_element(outputs.begin(), outputs.end()), 10);
  EXPECT_EQ(*std::max_element(outputs.begin(), outputs.end()), 30);
  // Every prompt is its own text: no accidental prefix-cache hits.
  EXPECT_NE(conversations[0].turns[0].user.substr(0, 40),
            conversations[1].turns[0].user.substr(0, 40));
  // The seed makes the same conversations.
  EXPECT_EQ(SynthesizeConversations(prompts)[5].turns[2].user,
            conversations[5].turns[2].user);
}

TEST(SynthesizeConversationsTest, RefusesLengthsItCannotDraw) {
  SyntheticPrompts prompts;
  prompts.input_tokens = TokenLengths::Constant(0);
  EXPECT_THAT(ErrorOf([&] { SynthesizeConversations(prompts); }),
              HasSubstr("input_tokens: expected a length of at least 1"));
  prompts.input_tokens = TokenLengths::Uniform(50, 10);
  EXPECT_THAT(ErrorOf([&] { SynthesizeConversations(prompts); }),
              HasSubstr("input_tokens: expected min <= max"));
  prompts.input_tokens = TokenLengths::Constant(5);
  prompts.output_tokens = TokenLengths::Sampled({});
  EXPECT_THAT(ErrorOf([&] { SynthesizeConversations(prompts); }),
              HasSubstr("output_tokens: expected at least one sample"));
  prompts.output_tokens = TokenLengths::Constant(0);  // no limit: allowed
  prompts.turns = 0;
  EXPECT_THAT(ErrorOf([&] { SynthesizeConversations(prompts); }),
              HasSubstr("turns: expected at least 1"));
}

// One conversation per line: ShareGPT, OpenAI with text parts, and a
// ragged one; blank lines between them.
constexpr char kMixedDataset[] =
    R"({"conversations": [{"from": "system", "value": "you help"}, )"
    R"({"from": "human", "value": "what is a knee"}, )"
    R"({"from": "gpt", "value": "the point where latency bends"}, )"
    R"({"from": "human", "value": "and after it"}, )"
    R"({"from": "gpt", "value": "queues grow"}]})"
    "\n\n   \n"
    R"({"messages": [{"role": "user", "content": [{"type": "text", )"
    R"("text": "hello"}, {"type": "text", "text": " there"}]}, )"
    R"({"role": "assistant", "content": "hi you"}]})"
    "\n"
    R"({"messages": [{"role": "assistant", "content": "greeting first"}, )"
    R"({"role": "user", "content": "one"}, )"
    R"({"role": "user", "content": "two"}, )"
    R"({"role": "assistant", "content": null}, )"
    R"({"role": "user", "content": "unanswered"}]})"
    "\n";

TEST(LoadConversationsTest, ReadsShareGptAndOpenAiLines) {
  TempDir dir;
  const std::string path = dir.WriteFile("chat.jsonl", kMixedDataset);
  DatasetOptions options;
  options.output_tokens = TokenLengths::Constant(9);
  const std::vector<Conversation> conversations =
      LoadConversations(path, options);
  ASSERT_EQ(conversations.size(), 3u);

  const Conversation& sharegpt = conversations[0];
  EXPECT_EQ(sharegpt.system, "you help");
  ASSERT_EQ(sharegpt.turns.size(), 2u);
  EXPECT_EQ(sharegpt.turns[0].user, "what is a knee");
  EXPECT_EQ(sharegpt.turns[0].max_output_tokens, 5);  // the recorded answer
  EXPECT_EQ(sharegpt.turns[1].max_output_tokens, 2);

  EXPECT_EQ(conversations[1].turns[0].user, "hello there");
  EXPECT_EQ(conversations[1].turns[0].max_output_tokens, 2);

  // An answer before any question is dropped; questions in a row are one
  // turn; a null or missing answer leaves the length to the distribution.
  const Conversation& ragged = conversations[2];
  ASSERT_EQ(ragged.turns.size(), 2u);
  EXPECT_EQ(ragged.turns[0].user, "one\n\ntwo");
  EXPECT_EQ(ragged.turns[0].max_output_tokens, 9);
  EXPECT_EQ(ragged.turns[1].user, "unanswered");
  EXPECT_EQ(ragged.turns[1].max_output_tokens, 9);
}

TEST(LoadConversationsTest, HonoursLimitsAndTheOutputDistribution) {
  TempDir dir;
  const std::string path = dir.WriteFile("chat.jsonl", kMixedDataset);
  DatasetOptions options;
  options.output_tokens_from_dataset = false;
  options.output_tokens = TokenLengths::Constant(42);
  options.max_conversations = 2;
  options.max_turns = 1;
  const std::vector<Conversation> conversations =
      LoadConversations(path, options);
  ASSERT_EQ(conversations.size(), 2u);
  for (const Conversation& conversation : conversations) {
    ASSERT_EQ(conversation.turns.size(), 1u);
    EXPECT_EQ(conversation.turns[0].max_output_tokens, 42);
  }
}

TEST(LoadConversationsTest, ReadsPromptLinesAsOneTurnEach) {
  TempDir dir;
  const std::string path = dir.WriteFile(
      "prompts.jsonl",
      "{\"prompt\": \"Name three rivers.\", \"completion\": \"Nile, Amazon, "
      "Danube.\"}\n"
      "{\"prompt\": \"Say hello.\"}\n");
  DatasetOptions options;
  options.output_tokens = TokenLengths::Constant(9);
  const std::vector<Conversation> conversations =
      LoadConversations(path, options);
  ASSERT_EQ(conversations.size(), 2u);
  ASSERT_EQ(conversations[0].turns.size(), 1u);
  EXPECT_EQ(conversations[0].turns[0].user, "Name three rivers.");
  EXPECT_EQ(conversations[0].turns[0].max_output_tokens, 3);  // the completion
  ASSERT_EQ(conversations[1].turns.size(), 1u);
  EXPECT_EQ(conversations[1].turns[0].max_output_tokens, 9);  // none recorded
}

TEST(LoadConversationsTest, ErrorsNameTheFileTheLineAndWhatWasExpected) {
  TempDir dir;
  const auto error = [&](const std::string& text) {
    const std::string path = dir.WriteFile("bad.jsonl", text);
    return ErrorOf([&] { LoadConversations(path, {}); });
  };
  const std::string file = (dir.path() / "bad.jsonl").string();
  EXPECT_EQ(error("\n{\"messages\": [}\n"),
            file + ":2: expected a JSON object on each line");
  EXPECT_EQ(error("[1, 2]\n"), file + ":1: expected a JSON object, got [1, 2]");
  EXPECT_EQ(error("{\"text\": \"x\"}\n"),
            file +
                ":1: expected {\"conversations\": [...]} (ShareGPT), "
                "{\"messages\": [...]} (OpenAI) or {\"prompt\": \"text\"}");
  EXPECT_EQ(error("{\"prompt\": 7}\n"),
            file + ":1: expected \"prompt\" to be a string");
  EXPECT_EQ(error("{\"prompt\": \"x\", \"completion\": [1]}\n"),
            file + ":1: expected \"completion\" to be a string");
  EXPECT_EQ(error(R"({"conversations": [{"from": "robot", "value": "x"}]})"),
            file +
                R"(:1: expected conversations[0].from to be "human", "gpt" or )"
                R"("system", got "robot")");
  EXPECT_EQ(error(R"({"conversations": [{"from": "human"}]})"),
            file + R"(:1: expected conversations[0] to be {"from": ..., )"
                   R"("value": "text"})");
  EXPECT_EQ(error(R"({"messages": [{"role": "tool", "content": "x"}]})"),
            file + R"(:1: expected messages[0].role to be "user", )"
                   R"("assistant" or "system", got "tool")");
  EXPECT_EQ(
      error(
          R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})"),
      file + R"(:1: expected messages[0].content parts to be {"type": )"
             R"("text", "text": ...})");
  EXPECT_EQ(error(R"({"messages": [{"role": "system", "content": "x"}]})"),
            file + ": no conversation with a user message");
  EXPECT_THAT(ErrorOf([&] { LoadConversations(file + ".missing", {}); }),
              AllOf(HasSubstr(file + ".missing"), HasSubstr("cannot open")));
}

TEST(DatasetTokenLengthsTest, CountsEachMessageOfTheRole) {
  TempDir dir;
  const std::string path = dir.WriteFile("chat.jsonl", kMixedDataset);
  EXPECT_THAT(DatasetTokenLengths(path, "user"), ElementsAre(4, 3, 2, 1, 1, 1));
  EXPECT_THAT(DatasetTokenLengths(path, "assistant"), ElementsAre(5, 2, 2, 2));
  EXPECT_THAT(ErrorOf([&] { DatasetTokenLengths(path, "system"); }),
              HasSubstr("expected \"user\" or \"assistant\""));
}

}  // namespace
}  // namespace loadgate
