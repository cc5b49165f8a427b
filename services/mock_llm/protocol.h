#ifndef SERVICES_MOCK_LLM_PROTOCOL_H_
#define SERVICES_MOCK_LLM_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

// Request parsing and response formatting for each provider's wire format,
// as the official SDKs send and parse them. No I/O here. Implemented in
// protocol.cc (routes), protocol_request.cc, protocol_stream.cc and
// protocol_response.cc.
namespace loadgate::services::mock_llm {

enum class Api {
  kGemini,             // generativelanguage: /v1beta/models/...
  kVertex,             // aiplatform: /v1beta1/.../publishers/google/models/...
  kOpenAiChat,         // /v1/chat/completions
  kOpenAiCompletions,  // /v1/completions
  kOpenAiEmbeddings,   // /v1/embeddings
  kAnthropic,          // /v1/messages
};
std::string_view ApiName(Api api);  // metrics label

enum class Action { kGenerate, kCountTokens, kEmbed, kListModels };

struct Route {
  Api api = Api::kGemini;
  Action action = Action::kGenerate;
  bool stream = false;  // decided by the path (Gemini) or the body (others)
  std::string model;    // from the path (Gemini, Vertex); else from the body
};

// Matches a provider route. nullopt means 404.
std::optional<Route> MatchRoute(std::string_view method, std::string_view path);

struct GenerationRequest {
  std::string prompt;          // the text of every message, joined by newlines
  int max_tokens = -1;         // -1: the request sets no limit
  bool include_usage = false;  // OpenAI stream_options.include_usage
  // Embeddings.
  std::vector<std::string> inputs;
  bool base64 = false;
  int dimensions = 0;  // 0: the configured default
};

// Parses a request body for `route` (filling route->model and route->stream
// where the body carries them). Fails with a message for a 400.
Status ParseRequest(Route* route, std::string_view body,
                    GenerationRequest* request);

// One message of a generation request with the role the client gave it
// (OpenAI "user"/"assistant"/..., Gemini "user"/"model"; system prompts and
// Gemini's systemInstruction as "system"; a completions prompt as "user").
struct Message {
  std::string role;
  std::string text;  // the text of its parts, joined
};
// The messages of a body that ParseRequest accepted for `route` (for the
// journal; parsed again so that requests pay for it only when journaling).
std::vector<Message> RequestMessages(const Route& route, std::string_view body);

enum class Framing { kJson, kSse, kJsonArray };

// What a response needs to know about its exchange.
struct ResponseContext {
  Api api = Api::kGemini;
  Framing framing = Framing::kJson;
  bool crlf = false;  // SSE line ends
  bool role_content_null = false;
  bool include_usage = false;
  std::string model;
  std::string id;
  int64_t created = 0;  // Unix seconds
  int prompt_tokens = 0;
  int events = 0;  // events written so far (JSON-array commas)
};

// The provider's finish reason for a natural end or a hit token limit.
std::string_view FinishReason(Api api, bool hit_limit);

// Provider-shaped error body for `status`.
std::string ErrorBody(Api api, int status, std::string_view message);

// Streaming: the opening events (Anthropic message_start and
// content_block_start, OpenAI's role-only chunk); a content chunk (`last`
// marks the final one, which for Gemini carries finishReason and
// candidatesTokenCount); the closing events (OpenAI finish and usage chunks
// and [DONE], Anthropic's stop events, the JSON array's bracket); an error
// event in the middle of a stream; and an SSE comment (ignored by clients).
void AppendStreamOpen(ResponseContext& context, std::string* out);
void AppendStreamChunk(ResponseContext& context, std::string_view text,
                       int completion_tokens, bool last, bool hit_limit,
                       std::string* out);
void AppendStreamClose(ResponseContext& context, int completion_tokens,
                       bool hit_limit, std::string* out);
void AppendStreamError(ResponseContext& context, int status,
                       std::string_view message, std::string* out);
void AppendSseComment(const ResponseContext& context, std::string_view text,
                      std::string* out);

// Whole (non-streaming) responses.
std::string FullResponse(const ResponseContext& context, std::string_view text,
                         int completion_tokens, bool hit_limit);
std::string CountTokensResponse(int tokens);
// Bounds of one embeddings request: OpenAI's limit on inputs, and on the
// values of the response (inputs x dimensions), so that a 4 MiB body of
// empty strings cannot ask for gigabytes of vectors.
inline constexpr size_t kMaxEmbeddingInputs = 2048;
inline constexpr size_t kMaxEmbeddingValues = 2048 * 1536;
std::string EmbeddingsResponse(const std::string& model,
                               const GenerationRequest& request, int dimensions,
                               uint64_t seed);
std::string ModelsResponse(Api api, const std::vector<std::string>& models);

// JSON string literal (with quotes) appended to `out`.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_PROTOCOL_H_
