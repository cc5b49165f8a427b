// Synthetic prompts as the mock LLM counts them: conversations from
// SynthesizeConversations are sent to a real mock LLM, and its journal says
// how many prompt tokens each request had and how many output tokens it
// asked for, so the requested distributions are checked where they land.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/token_lengths.h"
#include "loadgate/llm_traffic.h"
#include "mock_llm/server.h"
#include "support/mock_llm_http_client.h"
#include "support/sample_moments.h"

namespace loadgate {
namespace {

namespace mock_llm = services::mock_llm;
using mock_llm_test::Fetch;
using nlohmann::json;
using test_support::MomentsOf;
using test_support::SampleMoments;

class SyntheticPromptsAtTheMockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_llm::Config config;
    config.ttft_ms = mock_llm::Distribution::Constant(0);
    config.itl_ms = 0;
    // Longer than any requested output: the request's limit decides.
    config.output_tokens = mock_llm::Distribution::Constant(1000);
    config.journal = 1000;
    services::HttpServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.handle_signals = false;
    options.drain_timeout = std::chrono::milliseconds(1000);
    server_ = std::make_unique<mock_llm::MockLlmServer>(config, options);
    ASSERT_TRUE(server_->Start().ok());
    waiter_ = std::thread([this] { server_->Wait(); });
  }

  void TearDown() override {
    server_->Stop();
    waiter_.join();
  }

  std::unique_ptr<mock_llm::MockLlmServer> server_;
  std::thread waiter_;
};

TEST_F(SyntheticPromptsAtTheMockTest, LengthsReproduceTheirMeanAndSpread) {
  SyntheticPrompts prompts;
  prompts.input_tokens = TokenLengths::Normal(200, 40, 1, 1000);
  prompts.output_tokens = TokenLengths::Uniform(5, 15);
  prompts.conversations = 400;
  prompts.seed = 3;
  const std::vector<Conversation> conversations =
      SynthesizeConversations(prompts);
  for (const Conversation& conversation : conversations) {
    const ConversationTurn& turn = conversation.turns.at(0);
    const json body = {
        {"model", "gpt-4o-mini"},
        {"max_completion_tokens", turn.max_output_tokens},
        {"messages", {{{"role", "user"}, {"content", turn.user}}}}};
    ASSERT_EQ(
        Fetch(server_->port(), "POST", "/v1/chat/completions", body.dump())
            .status,
        200);
  }
  const json exchanges = json::parse(
      Fetch(server_->port(), "GET", "/admin/journal").body)["exchanges"];
  ASSERT_EQ(exchanges.size(), conversations.size());
  std::vector<int> inputs, outputs;
  for (size_t i = 0; i < exchanges.size(); ++i) {
    const json& exchange = exchanges[i];
    const ConversationTurn& turn = conversations[i].turns[0];
    // Each prompt is exactly as long as it was drawn, by the mock's count.
    EXPECT_EQ(exchange["messages"][0]["text"], turn.user);
    EXPECT_EQ(exchange["prompt_tokens"], engine::CountWordTokens(turn.user));
    EXPECT_EQ(exchange["max_tokens"], turn.max_output_tokens);
    EXPECT_EQ(exchange["output_tokens"], turn.max_output_tokens);
    inputs.push_back(exchange["prompt_tokens"].get<int>());
    outputs.push_back(exchange["output_tokens"].get<int>());
  }
  const SampleMoments input = MomentsOf(inputs), output = MomentsOf(outputs);
  // 400 draws: the mean's standard error is 2 tokens, the stddev's 1.4.
  EXPECT_NEAR(input.mean, 200, 8);
  EXPECT_NEAR(input.stddev, 40, 6);
  EXPECT_NEAR(output.mean, 10, 0.6);      // uniform 5..15
  EXPECT_NEAR(output.stddev, 3.16, 0.4);  // sqrt((11^2 - 1) / 12)
}

}  // namespace
}  // namespace loadgate
