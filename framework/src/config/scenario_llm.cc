// A flow's `llm` block: which API and model, how to stream, the think time
// between turns, and the conversations, from synthetic prompts whose token
// lengths follow distributions or from a JSONL dataset.
#include "config/scenario_llm.h"

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/document.h"
#include "config/relative_file.h"
#include "config/scenario_load_model.h"
#include "config/scenario_requests.h"

namespace loadgate::config {
namespace {

// Far above any model's context window, and what the mock LLM caps at.
constexpr int64_t kMaxTokens = 1 << 20;
// Synthetic prompt text is generated before the run and held in memory: at
// about 7 bytes a token, this bounds it near 1.4 GB.
constexpr double kMaxSyntheticTokens = 200e6;

// `load(path)` of the file `field` names, relative to the scenario's folder.
template <typename Load>
auto LoadRelative(const Field& field, Load load) {
  return LoadRelativeFile(field, FolderOf(field.file()), load);
}

// A plain integer (a constant), or {distribution: constant | uniform |
// normal | dataset, ...}; every length is at least `least`. A dataset's
// lengths are its `role`'s messages, `default_role` unless given.
TokenLengths ParseTokenLengths(const Field& field, int least,
                               const std::string& default_role) {
  if (field.json().is_number()) {
    return TokenLengths::Constant(
        static_cast<int>(field.Integer(least, kMaxTokens)));
  }
  if (!field.json().is_object())
    field.Expected("a number of tokens or {distribution: ...}");
  const auto tokens = [&](std::string_view key) {
    return static_cast<int>(field.Require(key).Integer(least, kMaxTokens));
  };
  switch (field.Require("distribution")
              .Choice({"constant", "uniform", "normal", "dataset"})) {
    case 0:
      field.ExpectObject({"distribution", "value"});
      return TokenLengths::Constant(tokens("value"));
    case 1: {
      field.ExpectObject({"distribution", "min", "max"});
      const int min = tokens("min"), max = tokens("max");
      if (min > max) field.Fail("expected min <= max");
      return TokenLengths::Uniform(min, max);
    }
    case 2: {
      field.ExpectObject({"distribution", "mean", "stddev", "min", "max"});
      const double mean = field.Require("mean").NonNegativeNumber();
      const double stddev = field.Require("stddev").NonNegativeNumber();
      // Without bounds: at least `least` (1 for prompts) and mean + 4
      // stddev, which keeps 99.997 % of the distribution.
      const int min = field.Has("min") ? tokens("min") : std::max(least, 1);
      const int max = field.Has("max")
                          ? tokens("max")
                          : static_cast<int>(std::min<double>(
                                std::ceil(mean + 4 * stddev), kMaxTokens));
      if (min > max) field.Fail("expected min <= max");
      return TokenLengths::Normal(mean, stddev, min, max);
    }
    default: {
      field.ExpectObject({"distribution", "file", "role"});
      std::string role = default_role;
      if (auto given = field.Get("role"))
        role = given->Choice({"user", "assistant"}) == 0 ? "user" : "assistant";
      std::vector<int> lengths =
          LoadRelative(field.Require("file"), [&](const std::string& path) {
            return DatasetTokenLengths(path, role);
          });
      std::erase_if(lengths, [&](int length) {
        return length < least || length > kMaxTokens;
      });
      if (lengths.empty()) {
        field.Fail("the dataset has no " + role + " message of " +
                   std::to_string(least) + " to " + std::to_string(kMaxTokens) +
                   " tokens");
      }
      return TokenLengths::Sampled(std::move(lengths));
    }
  }
}

std::vector<Conversation> ParseSynthetic(const Field& field) {
  field.ExpectObject({"input_tokens", "output_tokens", "turns", "conversations",
                      "system", "seed"});
  SyntheticPrompts prompts;
  if (auto input = field.Get("input_tokens"))
    prompts.input_tokens = ParseTokenLengths(*input, 1, "user");
  if (auto output = field.Get("output_tokens"))
    prompts.output_tokens = ParseTokenLengths(*output, 0, "assistant");
  if (auto turns = field.Get("turns"))
    prompts.turns = static_cast<int>(turns->Integer(1, 1000));
  if (auto count = field.Get("conversations"))
    prompts.conversations = static_cast<size_t>(count->Integer(1, 1000000));
  if (auto system = field.Get("system")) prompts.system = system->String();
  if (auto seed = field.Get("seed"))
    prompts.seed = static_cast<uint64_t>(seed->Integer(0, kMaxInt64));
  const double mean_input =
      prompts.input_tokens.kind == TokenLengths::Kind::kConstant
          ? prompts.input_tokens.value
          : std::max<double>(prompts.input_tokens.mean,
                             prompts.input_tokens.min);
  if (mean_input * prompts.turns * prompts.conversations >
      kMaxSyntheticTokens) {
    field.Fail(
        "expected at most 200000000 prompt tokens in all (conversations x "
        "turns x input_tokens), which are generated before the run");
  }
  try {
    return SynthesizeConversations(prompts);
  } catch (const std::invalid_argument& error) {
    field.Fail(error.what());
  }
}

std::vector<Conversation> ParseDataset(const Field& field) {
  field.ExpectObject(
      {"file", "output_tokens", "max_conversations", "max_turns", "seed"});
  DatasetOptions options;
  if (auto output = field.Get("output_tokens")) {
    if (output->json().is_string()) {
      if (output->String() != "dataset") {
        output->Expected(
            "\"dataset\", a number of tokens or {distribution: ...}");
      }
      options.output_tokens_from_dataset = true;
    } else {
      options.output_tokens_from_dataset = false;
      options.output_tokens = ParseTokenLengths(*output, 0, "assistant");
    }
  }
  if (auto count = field.Get("max_conversations"))
    options.max_conversations = static_cast<size_t>(count->Integer(0, kMaxInt));
  if (auto turns = field.Get("max_turns"))
    options.max_turns = static_cast<int>(turns->Integer(0, kMaxInt));
  if (auto seed = field.Get("seed"))
    options.seed = static_cast<uint64_t>(seed->Integer(0, kMaxInt64));
  return LoadRelative(field.Require("file"), [&](const std::string& path) {
    return LoadConversations(path, options);
  });
}

}  // namespace

LlmConversations ParseLlmConversations(const Field& field,
                                       const std::string& base_url) {
  field.ExpectObject({"api", "model", "stream", "url", "headers", "think",
                      "synthetic", "dataset"});
  LlmConversations llm;
  static constexpr LlmApi kApis[] = {LlmApi::kOpenAi, LlmApi::kGemini,
                                     LlmApi::kAnthropic};
  if (auto api = field.Get("api"))
    llm.api = kApis[api->Choice({"openai", "gemini", "anthropic"})];
  llm.model = field.Require("model").String();
  if (auto stream = field.Get("stream")) llm.stream = stream->Bool();
  if (auto url = field.Get("url")) {
    llm.url = url->String();
    CheckRequestUrl(*url, base_url);
  } else if (base_url.empty()) {
    field.Fail(
        "the API's default path is relative, so the scenario needs a "
        "target (base URL), or give an absolute \"url\"");
  }
  if (auto headers = field.Get("headers")) llm.headers = ParseHeaders(*headers);
  if (auto think = field.Get("think")) llm.think = ParseThinkTime(*think);
  std::optional<Field> synthetic = field.Get("synthetic");
  std::optional<Field> dataset = field.Get("dataset");
  if (synthetic.has_value() == dataset.has_value())
    field.Fail("expected either \"synthetic\" or \"dataset\" (one of them)");
  llm.conversations =
      synthetic ? ParseSynthetic(*synthetic) : ParseDataset(*dataset);
  return llm;
}

}  // namespace loadgate::config
