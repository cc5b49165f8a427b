// The requests of an LLM conversation flow (Flow::llm): the request every
// turn is sent as (target, headers, the status a turn must get) and the JSON
// body of one turn, with the history of earlier turns and the answers the
// service actually gave, in the API's own shape.
#ifndef LOADGATE_ENGINE_LLM_BODY_H_
#define LOADGATE_ENGINE_LLM_BODY_H_

#include <span>
#include <string>

#include "loadgate/llm_traffic.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {

// Anthropic's API requires max_tokens; a turn without max_output_tokens
// asks for this many.
inline constexpr int kAnthropicDefaultMaxTokens = 1024;

// The request every turn of `flow` (whose llm is set) is sent as, body
// aside: POST to llm.url or the API's own path, the llm headers plus
// Content-Type: application/json (and anthropic-version for Anthropic)
// unless given, named after the flow, and passing only with status 200.
Request LlmTurnRequest(const Flow& flow);

// Appends the JSON body of turn `turn` of `conversation`: the system prompt
// (if any), each earlier user turn followed by its answer (answers[i]),
// then the turn's user message, with the turn's max_output_tokens in the
// API's field and the streaming choice. `answers` has at least `turn`
// entries.
void AppendLlmBody(const LlmConversations& llm,
                   const Conversation& conversation, size_t turn,
                   std::span<const std::string> answers, std::string& out);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_LLM_BODY_H_
