#include "engine/llm_body.h"

#include "http/llm_text.h"
#include "http/text.h"

namespace loadgate::engine {
namespace {

using http::AppendJsonString;

std::string DefaultPath(const LlmConversations& llm) {
  switch (llm.api) {
    case LlmApi::kOpenAi:
      return "/v1/chat/completions";
    case LlmApi::kGemini:
      return "/v1beta/models/" + llm.model +
             (llm.stream ? ":streamGenerateContent?alt=sse"
                         : ":generateContent");
    case LlmApi::kAnthropic:
      return "/v1/messages";
  }
  return "/";
}

bool HasHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& header : headers) {
    if (http::EqualsNoCase(header.first, name)) return true;
  }
  return false;
}

void AppendNumber(std::string& out, int number) {
  out.append(std::to_string(number));
}

// {"role":"ROLE","content":"TEXT"}, the OpenAI and Anthropic message.
void AppendMessage(std::string& out, std::string_view role,
                   std::string_view text) {
  out.append("{\"role\":\"");
  out.append(role);
  out.append("\",\"content\":");
  AppendJsonString(out, text);
  out.push_back('}');
}

// Appends one message of `role` with `text` in the API's shape.
using AppendMessageFn = void (*)(std::string& out, std::string_view role,
                                 std::string_view text);

// The conversation up to `turn`, comma-separated: each earlier user turn and
// its answer (under `answer_role`), then the turn's user message.
void AppendHistory(std::string& out, const Conversation& conversation,
                   size_t turn, std::span<const std::string> answers,
                   AppendMessageFn append, std::string_view answer_role) {
  for (size_t t = 0; t < turn; ++t) {
    append(out, "user", conversation.turns[t].user);
    out.push_back(',');
    append(out, answer_role, answers[t]);
    out.push_back(',');
  }
  append(out, "user", conversation.turns[turn].user);
}

// The messages of OpenAI and Anthropic: the history, then the turn.
void AppendMessages(std::string& out, const Conversation& conversation,
                    size_t turn, std::span<const std::string> answers,
                    bool system_message) {
  out.append("\"messages\":[");
  if (system_message && !conversation.system.empty()) {
    AppendMessage(out, "system", conversation.system);
    out.push_back(',');
  }
  AppendHistory(out, conversation, turn, answers, AppendMessage, "assistant");
  out.push_back(']');
}

void AppendOpenAiBody(const LlmConversations& llm,
                      const Conversation& conversation, size_t turn,
                      std::span<const std::string> answers, std::string& out) {
  out.append("{\"model\":");
  AppendJsonString(out, llm.model);
  out.push_back(',');
  AppendMessages(out, conversation, turn, answers, /*system_message=*/true);
  const int max_tokens = conversation.turns[turn].max_output_tokens;
  if (max_tokens > 0) {
    out.append(",\"max_completion_tokens\":");
    AppendNumber(out, max_tokens);
  }
  out.append(
      llm.stream
          ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
          : ",\"stream\":false}");
}

// {"role":"ROLE","parts":[{"text":"TEXT"}]}, Gemini's content.
void AppendContent(std::string& out, std::string_view role,
                   std::string_view text) {
  out.append("{\"role\":\"");
  out.append(role);
  out.append("\",\"parts\":[{\"text\":");
  AppendJsonString(out, text);
  out.append("}]}");
}

void AppendGeminiBody(const Conversation& conversation, size_t turn,
                      std::span<const std::string> answers, std::string& out) {
  out.push_back('{');
  if (!conversation.system.empty()) {
    out.append("\"systemInstruction\":{\"parts\":[{\"text\":");
    AppendJsonString(out, conversation.system);
    out.append("}]},");
  }
  out.append("\"contents\":[");
  AppendHistory(out, conversation, turn, answers, AppendContent, "model");
  out.push_back(']');
  const int max_tokens = conversation.turns[turn].max_output_tokens;
  if (max_tokens > 0) {
    out.append(",\"generationConfig\":{\"maxOutputTokens\":");
    AppendNumber(out, max_tokens);
    out.push_back('}');
  }
  out.push_back('}');
}

void AppendAnthropicBody(const LlmConversations& llm,
                         const Conversation& conversation, size_t turn,
                         std::span<const std::string> answers,
                         std::string& out) {
  out.append("{\"model\":");
  AppendJsonString(out, llm.model);
  out.push_back(',');
  if (!conversation.system.empty()) {
    out.append("\"system\":");
    AppendJsonString(out, conversation.system);
    out.push_back(',');
  }
  AppendMessages(out, conversation, turn, answers, /*system_message=*/false);
  const int max_tokens = conversation.turns[turn].max_output_tokens;
  out.append(",\"max_tokens\":");
  AppendNumber(out, max_tokens > 0 ? max_tokens : kAnthropicDefaultMaxTokens);
  out.append(llm.stream ? ",\"stream\":true}" : ",\"stream\":false}");
}

}  // namespace

Request LlmTurnRequest(const Flow& flow) {
  const LlmConversations& llm = *flow.llm;
  Request request;
  request.name = flow.name;
  request.method = "POST";
  request.url = llm.url.empty() ? DefaultPath(llm) : llm.url;
  request.headers = llm.headers;
  if (!HasHeader(request.headers, "content-type")) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (llm.api == LlmApi::kAnthropic &&
      !HasHeader(request.headers, "anthropic-version")) {
    request.headers.emplace_back("anthropic-version", "2023-06-01");
  }
  // A turn whose answer is not a 200 has no answer to carry on with.
  request.checks.push_back(Check::Status(200));
  return request;
}

void AppendLlmBody(const LlmConversations& llm,
                   const Conversation& conversation, size_t turn,
                   std::span<const std::string> answers, std::string& out) {
  switch (llm.api) {
    case LlmApi::kOpenAi:
      AppendOpenAiBody(llm, conversation, turn, answers, out);
      return;
    case LlmApi::kGemini:
      AppendGeminiBody(conversation, turn, answers, out);
      return;
    case LlmApi::kAnthropic:
      AppendAnthropicBody(llm, conversation, turn, answers, out);
      return;
  }
}

}  // namespace loadgate::engine
