// The text of LLM exchanges, for replaying conversations: user and system
// messages written as JSON string literals into request bodies, and the
// answer text read back out of responses (streamed chunks or whole bodies)
// of the OpenAI, Gemini / Vertex AI and Anthropic APIs.
#ifndef LOADGATE_HTTP_LLM_TEXT_H_
#define LOADGATE_HTTP_LLM_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace loadgate::http {

// Appends `text` as a JSON string literal, quotes included: '"', '\\' and
// the control characters U+0000-U+001F escaped (\n, \r, \t, \b, \f, else
// \u00XX); every other byte, UTF-8 sequences included, as it is.
void AppendJsonString(std::string& out, std::string_view text);

// Appends the answer text one JSON document carries, decoded (escapes
// resolved, UTF-8 kept):
//  - a streamed chunk (an SSE "data" field or a streamed JSON array's
//    element): OpenAI choices[0].delta.content (or choices[0].text), Gemini
//    / Vertex AI candidates[0].content.parts[].text, Anthropic
//    content_block_delta delta.text;
//  - a whole answer: OpenAI choices[0].message.content, Gemini
//    candidates[0].content.parts[].text, Anthropic content[].text, and a
//    top-level array (Gemini's stream without alt=sse read whole) element
//    by element.
// Anything else (usage chunks, "[DONE]", malformed JSON) adds nothing.
// Returns false when a string of the text would make `out` longer than
// `limit` bytes (the strings before it are appended, that one is not).
bool AppendLlmAnswerText(std::string_view json, size_t limit, std::string& out);

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_LLM_TEXT_H_
