// The mock LLM's streaming endpoints under load, with no application in
// between: what the client sees of time to first token, the gaps between
// tokens and the token throughput. The stack plans a 50 ms first token and
// 10 ms per token (StackOptions defaults) and every answer is 16 tokens
// (x-mock-llm-tokens), so the objectives below leave room only for the
// lateness of a loaded machine, not for a broken stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/fixtures/stack.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"
#include "loadgate/testing.h"
#include "suite_config.h"

namespace loadgate::suites {
namespace {

using ::testing::Ge;
using ::testing::Lt;
using namespace std::chrono_literals;

constexpr int kOutputTokens = 16;

// The mock LLM alone, no application in between (LOADGATE_STACK picks how it
// runs): started once before the first test and stopped after the last.
fixtures::StackOptions LlmOnly() {
  fixtures::StackOptions options = fixtures::StackOptions::FromEnvironment();
  options.app = false;
  return options;
}
fixtures::StackEnvironment* const stack_environment =
    fixtures::AddStackEnvironment(LlmOnly());

Request Streaming(std::string name, std::string url, std::string body) {
  Request request;
  request.name = std::move(name);
  request.method = "POST";
  request.url = std::move(url);
  request.headers = {{"Content-Type", "application/json"},
                     {"x-mock-llm-tokens", std::to_string(kOutputTokens)}};
  request.body = std::move(body);
  request.timeout = 30s;
  request.stream = StreamFormat::kSse;
  request.checks = {Check::Status(200)};
  return request;
}

Scenario LlmScenario(const std::string& base_url) {
  Scenario scenario;
  scenario.name = "llm";
  scenario.base_url = base_url;
  scenario
      .Add(Streaming(
          "gemini streamGenerateContent",
          "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
          R"({"contents": [{"role": "user", "parts": [{"text": "Summarise the patient's last visit."}]}]})"))
      .Add(Streaming(
          "openai chat.completions", "/v1/chat/completions",
          R"({"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "Summarise the patient's last visit."}]})"));
  return scenario;
}

class LlmLoad : public PresetLoadTest {};

TEST_P(LlmLoad, StreamsOnTime) {
  const Preset& preset = GetParam();
  // Priced as the stack's model (gemini-2.0-flash), the OpenAI-shaped
  // requests included: one price table per run.
  fixtures::Stack& stack = stack_environment->stack();
  const RunOptions options = PresetRunOptions(preset, 10s, stack);

  const RunReport report =
      RunLoad(LlmScenario(stack.llm_url()), preset.Open(), options);

  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
  EXPECT_SLO(report, TimeToFirstToken(95, Lt(250ms)));
  EXPECT_SLO(report, InterChunkLatency(95, Lt(50ms)));
  // Every stream delivers kOutputTokens at 100 tokens/s, so the run's
  // throughput follows the offered rate; half of it leaves room for the
  // streams still open when the load window ends.
  EXPECT_SLO(report,
             OutputTokensPerSecond(Ge(preset.rate * kOutputTokens / 2)));
}

INSTANTIATE_TEST_SUITE_P(Presets, LlmLoad,
                         ::testing::ValuesIn(StandardPresets()), PresetName());

}  // namespace
}  // namespace loadgate::suites
