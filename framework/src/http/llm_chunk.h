#ifndef LOADGATE_HTTP_LLM_CHUNK_H_
#define LOADGATE_HTTP_LLM_CHUNK_H_

#include <cstdint>
#include <string_view>

namespace loadgate::http {

// What one streamed LLM chunk says, whatever the provider.
struct LlmChunk {
  // OpenAI "[DONE]", Anthropic message_stop, Gemini/Vertex finishReason.
  bool done = false;
  // {"error": ...} or Anthropic {"type": "error"}.
  bool is_error = false;
  // Generated text in this chunk, in UTF-8 bytes of the decoded JSON strings
  // (an escape such as \n or \u00e9 counts as the bytes it decodes to):
  // OpenAI choices[].delta.content / choices[].text, Gemini/Vertex
  // candidates[].content.parts[].text, Anthropic content_block_delta
  // delta.text. An OpenAI role-only first chunk has 0.
  uint32_t content_chars = 0;
  // Usage when reported, else -1: OpenAI usage.prompt_tokens /
  // completion_tokens; Gemini usageMetadata.promptTokenCount /
  // candidatesTokenCount; Anthropic message_start message.usage.input_tokens
  // / message_delta usage.output_tokens.
  int32_t prompt_tokens = -1;
  int32_t output_tokens = -1;
};

// Inspects one chunk: the JSON text of an SSE "data" field or of one
// JSON-array element, or the literal "[DONE]". Does not allocate. Input that
// is not JSON yields a default LlmChunk with is_error set.
LlmChunk InspectLlmChunk(std::string_view json_or_done);

// Token usage a complete (non-streamed) response reports; -1 where absent.
struct LlmUsage {
  int32_t prompt_tokens = -1;
  int32_t output_tokens = -1;
};

// Reads the top-level "usage" / "usageMetadata" object (the same fields as
// LlmChunk's) of a whole JSON response body: a provider's non-streamed answer
// (OpenAI, Anthropic, Gemini/Vertex AI) or an application's answer that
// passes the provider's usage through. A top-level array (Gemini
// streamGenerateContent without alt=sse, read as one body) is read element
// by element, the last reported count winning. Does not allocate. Anything
// but one well-formed JSON object or array yields no usage.
LlmUsage InspectLlmResponse(std::string_view json);

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_LLM_CHUNK_H_
