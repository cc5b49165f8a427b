// Token-length distributions, synthetic prompt text and synthetic
// conversations (llm_traffic.h); datasets are read in llm_dataset.cc.
#include "loadgate/llm_traffic.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/prompt_words.h"
#include "engine/random.h"
#include "engine/token_lengths.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

// Refuses a distribution that could draw fewer than `least` tokens or whose
// bounds are inverted, naming `what` ("input_tokens").
void CheckLengths(const TokenLengths& lengths, int least,
                  const std::string& what) {
  const auto fail = [&](const std::string& problem) {
    throw std::invalid_argument(what + ": " + problem);
  };
  const std::string at_least = "at least " + std::to_string(least);
  switch (lengths.kind) {
    case TokenLengths::Kind::kConstant:
      if (lengths.value < least) fail("expected a length of " + at_least);
      break;
    case TokenLengths::Kind::kUniform:
    case TokenLengths::Kind::kNormal:
      if (lengths.min < least) fail("expected min to be " + at_least);
      if (lengths.min > lengths.max) fail("expected min <= max");
      if (lengths.kind == TokenLengths::Kind::kNormal &&
          !(lengths.stddev >= 0 && std::isfinite(lengths.mean))) {
        fail("expected a finite mean and stddev >= 0");
      }
      break;
    case TokenLengths::Kind::kSampled:
      if (lengths.samples.empty()) fail("expected at least one sample");
      if (*std::min_element(lengths.samples.begin(), lengths.samples.end()) <
          least) {
        fail("expected every sample to be " + at_least);
      }
      break;
  }
}

}  // namespace

const char* LlmApiName(LlmApi api) {
  switch (api) {
    case LlmApi::kOpenAi:
      return "openai";
    case LlmApi::kGemini:
      return "gemini";
    case LlmApi::kAnthropic:
      return "anthropic";
  }
  return "openai";
}

TokenLengths TokenLengths::Constant(int tokens) {
  TokenLengths lengths;
  lengths.kind = Kind::kConstant;
  lengths.value = tokens;
  lengths.min = lengths.max = tokens;
  lengths.mean = tokens;
  return lengths;
}

TokenLengths TokenLengths::Uniform(int min, int max) {
  TokenLengths lengths;
  lengths.kind = Kind::kUniform;
  lengths.min = min;
  lengths.max = max;
  lengths.mean = (static_cast<double>(min) + max) / 2;
  return lengths;
}

TokenLengths TokenLengths::Normal(double mean, double stddev, int min,
                                  int max) {
  TokenLengths lengths;
  lengths.kind = Kind::kNormal;
  lengths.mean = mean;
  lengths.stddev = stddev;
  lengths.min = min;
  lengths.max = max;
  return lengths;
}

TokenLengths TokenLengths::Sampled(std::vector<int> samples) {
  TokenLengths lengths;
  lengths.kind = Kind::kSampled;
  if (!samples.empty()) {
    const auto [low, high] =
        std::minmax_element(samples.begin(), samples.end());
    lengths.min = *low;
    lengths.max = *high;
    lengths.mean =
        std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
  }
  lengths.samples = std::move(samples);
  return lengths;
}

std::string TokenLengths::Describe() const {
  switch (kind) {
    case Kind::kConstant:
      return "constant " + std::to_string(value);
    case Kind::kUniform:
      return "uniform " + std::to_string(min) + ".." + std::to_string(max);
    case Kind::kNormal:
      return "normal " + FormatNumber(mean) + " ± " + FormatNumber(stddev) +
             " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    case Kind::kSampled:
      return "sampled from " + std::to_string(samples.size()) +
             " lengths (mean " + FormatNumber(mean, 1) + ")";
  }
  return "";
}

std::string SyntheticPromptText(int tokens, uint64_t seed) {
  const auto& words = engine::PromptWords();
  engine::Rng rng(seed);
  std::string text;
  text.reserve(static_cast<size_t>(std::max(tokens, 0)) * 7);
  for (int i = 0; i < tokens; ++i) {
    if (i > 0) text.push_back(' ');
    text.append(words[rng.Below(words.size())]);
  }
  return text;
}

std::vector<Conversation> SynthesizeConversations(
    const SyntheticPrompts& prompts) {
  CheckLengths(prompts.input_tokens, 1, "input_tokens");
  CheckLengths(prompts.output_tokens, 0, "output_tokens");
  if (prompts.turns < 1)
    throw std::invalid_argument("turns: expected at least 1");
  if (prompts.conversations < 1)
    throw std::invalid_argument("conversations: expected at least 1");
  // One stream for the lengths and one for the texts' seeds, so that the
  // lengths of a seed do not change with how long the texts are.
  engine::Rng lengths_rng(prompts.seed);
  engine::Rng text_rng(prompts.seed ^ 0x70726f6d7074ULL);  // "prompt"
  std::vector<Conversation> conversations(prompts.conversations);
  for (Conversation& conversation : conversations) {
    conversation.system = prompts.system;
    conversation.turns.resize(static_cast<size_t>(prompts.turns));
    for (ConversationTurn& turn : conversation.turns) {
      const int input =
          engine::SampleTokenLength(prompts.input_tokens, lengths_rng);
      turn.max_output_tokens =
          engine::SampleTokenLength(prompts.output_tokens, lengths_rng);
      turn.user = SyntheticPromptText(input, text_rng.Next());
    }
  }
  return conversations;
}

namespace engine {

int SampleTokenLength(const TokenLengths& lengths, Rng& rng) {
  switch (lengths.kind) {
    case TokenLengths::Kind::kConstant:
      return std::max(lengths.value, 0);
    case TokenLengths::Kind::kUniform: {
      if (lengths.max <= lengths.min) return std::max(lengths.min, 0);
      const uint64_t span = static_cast<uint64_t>(lengths.max) -
                            static_cast<uint64_t>(lengths.min) + 1;
      return std::max(lengths.min + static_cast<int>(rng.Below(span)), 0);
    }
    case TokenLengths::Kind::kNormal: {
      const double drawn =
          std::round(lengths.mean + lengths.stddev * rng.Normal());
      const double clamped =
          std::clamp(drawn, static_cast<double>(lengths.min),
                     static_cast<double>(std::max(lengths.min, lengths.max)));
      return std::max(static_cast<int>(clamped), 0);
    }
    case TokenLengths::Kind::kSampled:
      if (lengths.samples.empty()) return 0;
      return std::max(lengths.samples[rng.Below(lengths.samples.size())], 0);
  }
  return 0;
}

int CountWordTokens(std::string_view text) {
  int tokens = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (!space && !in_word) ++tokens;
    in_word = !space;
  }
  return tokens;
}

}  // namespace engine
}  // namespace loadgate
