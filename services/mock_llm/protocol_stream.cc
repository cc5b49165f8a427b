// Streamed responses of each provider (protocol.h): SSE events or elements
// of a JSON array, written straight into the output buffer.
#include <cstdio>

#include "mock_llm/protocol.h"

namespace loadgate::services::mock_llm {
namespace {

std::string_view Eol(const ResponseContext& context) {
  return context.crlf ? "\r\n" : "\n";
}

// Frames one event: an SSE event (optionally named) or a JSON-array element.
void AppendEvent(ResponseContext& context, std::string_view name,
                 std::string_view data, std::string* out) {
  if (context.framing == Framing::kJsonArray) {
    out->append(context.events == 0 ? "[" : ",\r\n");
    out->append(data);
  } else {
    const std::string_view eol = Eol(context);
    if (!name.empty()) {
      out->append("event: ").append(name).append(eol);
    }
    out->append("data: ").append(data).append(eol).append(eol);
  }
  ++context.events;
}

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  const int n = std::snprintf(digits, sizeof(digits), "%lld",
                              static_cast<long long>(value));
  out->append(digits, n);
}

// The common head of an OpenAI chunk, up to the choices array.
void AppendOpenAiChunkHead(const ResponseContext& context, std::string* out) {
  const bool chat = context.api == Api::kOpenAiChat;
  out->append("{\"id\":");
  AppendJsonString(context.id, out);
  out->append(chat ? ",\"object\":\"chat.completion.chunk\",\"created\":"
                   : ",\"object\":\"text_completion\",\"created\":");
  AppendInt(context.created, out);
  out->append(",\"model\":");
  AppendJsonString(context.model, out);
  if (chat) out->append(",\"system_fingerprint\":null");
}

void AppendOpenAiUsage(const ResponseContext& context, int completion_tokens,
                       std::string* out) {
  out->append("{\"prompt_tokens\":");
  AppendInt(context.prompt_tokens, out);
  out->append(",\"completion_tokens\":");
  AppendInt(completion_tokens, out);
  out->append(",\"total_tokens\":");
  AppendInt(context.prompt_tokens + completion_tokens, out);
  out->append("}");
}

// An OpenAI chunk with one choice; `delta_or_text` is the chat delta object
// or the completion text (already JSON).
void AppendOpenAiChoiceChunk(ResponseContext& context,
                             std::string_view delta_or_text,
                             std::string_view finish, std::string* out) {
  thread_local std::string data;
  data.clear();
  AppendOpenAiChunkHead(context, &data);
  data.append(context.api == Api::kOpenAiChat
                  ? ",\"choices\":[{\"index\":0,\"delta\":"
                  : ",\"choices\":[{\"text\":");
  data.append(delta_or_text);
  if (context.api != Api::kOpenAiChat) data.append(",\"index\":0");
  data.append(",\"logprobs\":null,\"finish_reason\":");
  if (finish.empty()) {
    data.append("null");
  } else {
    AppendJsonString(finish, &data);
  }
  data.append("}]");
  if (context.include_usage) data.append(",\"usage\":null");
  data.append("}");
  AppendEvent(context, "", data, out);
}

void AppendGoogleChunk(ResponseContext& context, std::string_view text,
                       int completion_tokens, bool last, bool hit_limit,
                       std::string* out) {
  thread_local std::string data;
  data.clear();
  data.append("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":");
  AppendJsonString(text, &data);
  data.append("}],\"role\":\"model\"}");
  if (last) {
    data.append(",\"finishReason\":");
    AppendJsonString(FinishReason(context.api, hit_limit), &data);
  }
  data.append(",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":");
  AppendInt(context.prompt_tokens, &data);
  if (last) {
    data.append(",\"candidatesTokenCount\":");
    AppendInt(completion_tokens, &data);
  }
  data.append(",\"totalTokenCount\":");
  AppendInt(context.prompt_tokens + (last ? completion_tokens : 0), &data);
  data.append("},\"modelVersion\":");
  AppendJsonString(context.model, &data);
  data.append(",\"responseId\":");
  AppendJsonString(context.id, &data);
  data.append("}");
  AppendEvent(context, "", data, out);
}

}  // namespace

void AppendStreamOpen(ResponseContext& context, std::string* out) {
  if (context.api == Api::kOpenAiChat) {
    AppendOpenAiChoiceChunk(context,
                            context.role_content_null
                                ? "{\"role\":\"assistant\",\"content\":null}"
                                : "{\"role\":\"assistant\",\"content\":\"\"}",
                            "", out);
  } else if (context.api == Api::kAnthropic) {
    thread_local std::string data;
    data.assign("{\"type\":\"message_start\",\"message\":{\"id\":");
    AppendJsonString(context.id, &data);
    data.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    AppendJsonString(context.model, &data);
    data.append(
        ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":");
    AppendInt(context.prompt_tokens, &data);
    data.append(",\"output_tokens\":1}}}");
    AppendEvent(context, "message_start", data, out);
    AppendEvent(context, "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,"
                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                out);
  }
}

void AppendStreamChunk(ResponseContext& context, std::string_view text,
                       int completion_tokens, bool last, bool hit_limit,
                       std::string* out) {
  thread_local std::string piece;
  switch (context.api) {
    case Api::kGemini:
    case Api::kVertex:
      AppendGoogleChunk(context, text, completion_tokens, last, hit_limit, out);
      return;
    case Api::kOpenAiChat:
      piece.assign("{\"content\":");
      AppendJsonString(text, &piece);
      piece.append("}");
      AppendOpenAiChoiceChunk(context, piece, "", out);
      return;
    case Api::kOpenAiCompletions:
      piece.clear();
      AppendJsonString(text, &piece);
      AppendOpenAiChoiceChunk(context, piece, "", out);
      return;
    case Api::kAnthropic:
      piece.assign(
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
          "\"text_delta\",\"text\":");
      AppendJsonString(text, &piece);
      piece.append("}}");
      AppendEvent(context, "content_block_delta", piece, out);
      return;
    case Api::kOpenAiEmbeddings:
      return;
  }
}

void AppendStreamClose(ResponseContext& context, int completion_tokens,
                       bool hit_limit, std::string* out) {
  const std::string_view finish = FinishReason(context.api, hit_limit);
  thread_local std::string data;
  switch (context.api) {
    case Api::kGemini:
    case Api::kVertex:
      if (context.framing == Framing::kJsonArray)
        out->append(context.events == 0 ? "[]" : "]");
      return;
    case Api::kOpenAiChat:
    case Api::kOpenAiCompletions:
      AppendOpenAiChoiceChunk(context,
                              context.api == Api::kOpenAiChat ? "{}" : "\"\"",
                              finish, out);
      if (context.include_usage) {
        data.clear();
        AppendOpenAiChunkHead(context, &data);
        data.append(",\"choices\":[],\"usage\":");
        AppendOpenAiUsage(context, completion_tokens, &data);
        data.append("}");
        AppendEvent(context, "", data, out);
      }
      AppendEvent(context, "", "[DONE]", out);
      return;
    case Api::kAnthropic:
      AppendEvent(context, "content_block_stop",
                  "{\"type\":\"content_block_stop\",\"index\":0}", out);
      data.assign("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":");
      AppendJsonString(finish, &data);
      data.append(",\"stop_sequence\":null},\"usage\":{\"input_tokens\":");
      AppendInt(context.prompt_tokens, &data);
      data.append(",\"output_tokens\":");
      AppendInt(completion_tokens, &data);
      data.append("}}");
      AppendEvent(context, "message_delta", data, out);
      AppendEvent(context, "message_stop", "{\"type\":\"message_stop\"}", out);
      return;
    case Api::kOpenAiEmbeddings:
      return;
  }
}

void AppendStreamError(ResponseContext& context, int status,
                       std::string_view message, std::string* out) {
  const std::string body = ErrorBody(context.api, status, message);
  AppendEvent(context, context.api == Api::kAnthropic ? "error" : "", body,
              out);
  if (context.framing == Framing::kJsonArray) out->append("]");
}

void AppendSseComment(const ResponseContext& context, std::string_view text,
                      std::string* out) {
  if (context.framing != Framing::kSse) return;
  const std::string_view eol = Eol(context);
  out->append(": ").append(text).append(eol).append(eol);
}

}  // namespace loadgate::services::mock_llm
