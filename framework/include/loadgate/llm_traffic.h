// LLM traffic that looks like real LLM traffic: conversations of one or
// more user turns, replayed against an LLM API with the history of what the
// service actually answered, from synthetic prompts whose input and output
// lengths follow distributions or from JSONL datasets (ShareGPT, OpenAI
// messages). A Flow whose `llm` is set runs one conversation per iteration.
#ifndef LOADGATE_LLM_TRAFFIC_H_
#define LOADGATE_LLM_TRAFFIC_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/load_model.h"

namespace loadgate {

// The wire format a conversation is sent in; each API's own field asks for
// the output length.
enum class LlmApi {
  // POST /v1/chat/completions: "messages", "max_completion_tokens",
  // "stream" with "stream_options": {"include_usage": true}.
  kOpenAi,
  // POST /v1beta/models/MODEL:streamGenerateContent?alt=sse (streaming) or
  // :generateContent: "contents" with roles user/model,
  // "generationConfig": {"maxOutputTokens"}. Vertex AI takes the same body.
  kGemini,
  // POST /v1/messages: "messages", "max_tokens" (required by the API),
  // "stream".
  kAnthropic,
};

// "openai", "gemini", "anthropic".
const char* LlmApiName(LlmApi api);

// A distribution of token counts (per request), all values >= 0.
struct TokenLengths {
  enum class Kind {
    kConstant,  // value
    kUniform,   // integers in [min, max]
    kNormal,    // mean, stddev, rounded and clamped to [min, max]
    kSampled,   // one of `samples`, uniformly (e.g. a dataset's lengths)
  };
  Kind kind = Kind::kConstant;
  int value = 0;
  double mean = 0;
  double stddev = 0;
  int min = 0;
  int max = 0;
  std::vector<int> samples;

  static TokenLengths Constant(int tokens);
  static TokenLengths Uniform(int min, int max);
  static TokenLengths Normal(double mean, double stddev, int min, int max);
  static TokenLengths Sampled(std::vector<int> lengths);
  // "constant 128", "uniform 64..256", "normal 512 ± 128 in [64, 2048]",
  // "sampled from 1000 lengths (mean 230.5)".
  std::string Describe() const;
};

struct ConversationTurn {
  std::string user;           // the user's message, UTF-8
  int max_output_tokens = 0;  // asked for through the API's field; 0: none
};

// One session: each turn is sent with every earlier turn and the answer
// the service actually gave to it.
struct Conversation {
  std::string system;  // system prompt; empty: none
  std::vector<ConversationTurn> turns;
};

// What a Flow sends when it is an LLM conversation flow.
struct LlmConversations {
  LlmApi api = LlmApi::kOpenAi;
  // Sent in the body (OpenAI, Anthropic) or in the URL (Gemini).
  std::string model;
  // Absolute, or relative to Scenario::base_url; empty: the API's own path
  // (/v1/chat/completions, /v1/messages, or Gemini's
  // /v1beta/models/MODEL:streamGenerateContent?alt=sse /
  // :generateContent by `stream`).
  std::string url;
  bool stream = true;
  std::vector<std::pair<std::string, std::string>> headers;
  // Each iteration replays the next conversation (in order, wrapping,
  // shared across workers; shards take disjoint ones).
  std::vector<Conversation> conversations;
  // Between the answer to one turn and the next turn.
  ThinkTime think;
};

// Prompt text of about `tokens` tokens: `tokens` words separated by single
// spaces, drawn from common English words that cl100k and o200k keep whole,
// so it is exactly `tokens` tokens by the mock LLM's count (a token is a run
// of non-space characters) and by those two tokenizers (measured; other
// tokenizers were not, see docs/scenario-format.md). Deterministic in
// `seed`.
std::string SyntheticPromptText(int tokens, uint64_t seed);

struct SyntheticPrompts {
  TokenLengths input_tokens = TokenLengths::Constant(128);
  TokenLengths output_tokens = TokenLengths::Constant(128);
  int turns = 1;                // user turns per conversation
  std::string system;           // system prompt of every conversation
  size_t conversations = 1000;  // how many distinct ones to generate
  uint64_t seed = 0;
};

// Conversations whose turns draw their lengths from `prompts`.
std::vector<Conversation> SynthesizeConversations(
    const SyntheticPrompts& prompts);

struct DatasetOptions {
  // Each turn's max_output_tokens: the length of the answer recorded in the
  // dataset (counted as the mock counts: runs of non-space characters) when
  // true, else drawn from `output_tokens`.
  bool output_tokens_from_dataset = true;
  TokenLengths output_tokens = TokenLengths::Constant(128);
  size_t max_conversations = 0;  // 0: all
  int max_turns = 0;             // 0: all
  uint64_t seed = 0;
};

// Reads a JSONL file, one conversation per line: ShareGPT
// {"conversations": [{"from": "human"|"gpt"|"system", "value": ...}]} or
// OpenAI {"messages": [{"role": "user"|"assistant"|"system",
// "content": ...}]}, or a single prompt {"prompt": ..., "completion": ...}
// (completion optional). The recorded answers are not sent (each turn sends the
// answers actually received); they only give output lengths. Throws
// std::runtime_error naming the file, the line and what was expected.
std::vector<Conversation> LoadConversations(const std::string& path,
                                            const DatasetOptions& options);

// The token lengths of one role's messages in a dataset ("user" or
// "assistant"), for TokenLengths::Sampled.
std::vector<int> DatasetTokenLengths(const std::string& path,
                                     const std::string& role);

}  // namespace loadgate

#endif  // LOADGATE_LLM_TRAFFIC_H_
