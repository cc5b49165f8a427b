// Synthetic prompts replayed by the engine reproduce the token-length
// distributions they were asked for, as the real mock LLM counts them (its
// journal): each prompt's tokens, and the output limit each request asks
// for through its API's own field, which the mock honours.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/token_lengths.h"
#include "loadgate/engine.h"
#include "loadgate/llm_traffic.h"
#include "support/mock_llm_http_client.h"
#include "support/sample_moments.h"
#include "support/service_process.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::MomentsOf;
using test_support::SampleMoments;
using test_support::ServiceProcess;

// The sample is fixed by the seed; the bounds leave room for its distance
// from the distribution (with 300 draws, a standard error of about 2 % of
// the mean and 4 % of the spread).
void ExpectReproduces(const std::vector<int>& counted, double mean,
                      double stddev, int min, int max) {
  const SampleMoments moments = MomentsOf(counted);
  EXPECT_NEAR(moments.mean, mean, 0.05 * mean);
  EXPECT_NEAR(moments.stddev, stddev, 0.15 * stddev);
  EXPECT_GE(*std::min_element(counted.begin(), counted.end()), min);
  EXPECT_LE(*std::max_element(counted.begin(), counted.end()), max);
}

class LlmTokenLengthsTest : public ::testing::TestWithParam<LlmApi> {};

TEST_P(LlmTokenLengthsTest, MockCountsTheRequestedDistributions) {
  ServiceProcess mock({std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm",
                       "--port=0", "--threads=1", "--ttft-ms=1",
                       "--tokens-per-second=100000", "--output-tokens=1000",
                       "--journal=1000"});
  constexpr int kConversations = 300;
  SyntheticPrompts prompts;
  prompts.input_tokens = TokenLengths::Normal(200, 40, 50, 400);
  prompts.output_tokens = TokenLengths::Uniform(20, 80);
  prompts.conversations = kConversations;
  prompts.seed = 11;

  Scenario scenario;
  scenario.base_url = mock.url();
  Flow flow;
  flow.name = "prompt";
  LlmConversations& llm = flow.llm.emplace();
  llm.api = GetParam();
  llm.model = GetParam() == LlmApi::kGemini ? "gemini-2.0-flash" : "model-x";
  llm.conversations = SynthesizeConversations(prompts);
  scenario.Add(std::move(flow));
  RunOptions options;
  options.duration = 60s;
  options.threads = 2;
  const RunReport report = loadgate::Run(
      scenario,
      ClosedModel{.users = 10, .iterations_per_user = kConversations / 10},
      options);
  ASSERT_EQ(report.requests(), uint64_t{kConversations});
  ASSERT_EQ(report.errors(), 0u);

  const mock_llm_test::HttpResponse response =
      mock_llm_test::Fetch(mock.port(), "GET", "/admin/journal");
  ASSERT_EQ(response.status, 200);
  const json journal = json::parse(response.body).at("exchanges");
  ASSERT_EQ(journal.size(), size_t{kConversations});
  std::vector<int> prompt_tokens, max_tokens, output_tokens;
  std::map<std::string, const ConversationTurn*> turns;
  for (const Conversation& conversation :
       scenario.flows[0].llm->conversations) {
    turns[conversation.turns[0].user] = &conversation.turns[0];
  }
  for (const json& exchange : journal) {
    // Each request arrived as drawn: its prompt exactly as long, its limit
    // in the API's field.
    const auto turn = turns.find(exchange.at("messages").at(0).at("text"));
    ASSERT_NE(turn, turns.end());
    EXPECT_EQ(exchange.at("prompt_tokens"),
              engine::CountWordTokens(turn->second->user));
    EXPECT_EQ(exchange.at("max_tokens"), turn->second->max_output_tokens);
    prompt_tokens.push_back(exchange.at("prompt_tokens").get<int>());
    max_tokens.push_back(exchange.at("max_tokens").get<int>());
    output_tokens.push_back(exchange.at("output_tokens").get<int>());
  }
  EXPECT_EQ(output_tokens, max_tokens);  // the limit reached the mock
  ExpectReproduces(prompt_tokens, 200, 40, 50, 400);
  // Uniform integers in [20, 80]: mean 50, variance (61^2 - 1) / 12.
  ExpectReproduces(output_tokens, 50, std::sqrt((61.0 * 61 - 1) / 12), 20, 80);
  // The engine's usage figures agree with the mock's count.
  uint64_t prompt_total = 0, output_total = 0;
  for (size_t i = 0; i < journal.size(); ++i) {
    prompt_total += prompt_tokens[i];
    output_total += output_tokens[i];
  }
  EXPECT_EQ(report.metrics.total.prompt_tokens, prompt_total);
  EXPECT_EQ(report.metrics.total.output_tokens, output_total);
}

INSTANTIATE_TEST_SUITE_P(EveryApi, LlmTokenLengthsTest,
                         ::testing::Values(LlmApi::kOpenAi, LlmApi::kGemini,
                                           LlmApi::kAnthropic),
                         [](const ::testing::TestParamInfo<LlmApi>& info) {
                           return std::string(LlmApiName(info.param));
                         });

}  // namespace
}  // namespace loadgate
