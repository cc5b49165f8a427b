// The canned handlers of test_server.h: fixed, delayed, chunked, hanging and
// broken responses, and LLM streams as the providers frame them.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/test_server.h"

namespace loadgate::test_support {
namespace {

// Hang() gives up after this long even if the server is never stopped.
constexpr std::chrono::minutes kMaxHang{5};

}  // namespace

// --- Handlers ----------------------------------------------------------------

Handler Respond(int status, std::string body, std::string_view content_type) {
  return [status, body = std::move(body),
          content_type = std::string(content_type)](const HttpRequest&,
                                                    ResponseWriter& writer) {
    writer.Send(status, body, content_type);
  };
}

Handler CloseAfter(Handler handler) {
  return [handler = std::move(handler)](const HttpRequest& request,
                                        ResponseWriter& writer) {
    writer.CloseAfterResponse();
    handler(request, writer);
  };
}

Handler Delayed(std::chrono::nanoseconds delay, Handler handler) {
  return [delay, handler = std::move(handler)](const HttpRequest& request,
                                               ResponseWriter& writer) {
    if (writer.Sleep(delay)) handler(request, writer);
  };
}

Handler RespondChunked(int status, std::vector<std::string> chunks,
                       std::string_view content_type,
                       std::chrono::nanoseconds gap) {
  return [status, chunks = std::move(chunks),
          content_type = std::string(content_type),
          gap](const HttpRequest&, ResponseWriter& writer) {
    writer.StartChunked(status, content_type);
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (i > 0 && gap.count() > 0 && !writer.Sleep(gap)) return;
      writer.SendChunk(chunks[i]);
    }
    writer.EndChunked();
  };
}

Handler Hang() {
  return [](const HttpRequest&, ResponseWriter& writer) {
    writer.Sleep(kMaxHang);
    writer.Abort();
  };
}

Handler AbortMidBody(size_t promised_bytes, size_t sent_bytes) {
  return
      [promised_bytes, sent_bytes](const HttpRequest&, ResponseWriter& writer) {
        writer.WriteRaw(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "Content-Length: " +
            std::to_string(promised_bytes) + "\r\n\r\n" +
            std::string(std::min(sent_bytes, promised_bytes), 'x'));
        writer.Abort();
      };
}

Handler RespondUntilClose(int status, std::string body) {
  return [status, body = std::move(body)](const HttpRequest&,
                                          ResponseWriter& writer) {
    writer.CloseAfterResponse();
    writer.WriteRaw(
        "HTTP/1.1 " + std::to_string(status) + " " +
        std::string(ReasonPhrase(status)) +
        "\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body);
  };
}

// --- LLM streams -------------------------------------------------------------

namespace {

using nlohmann::json;

// One chunk's JSON; `text` is null for OpenAI's final (finish) chunk.
json OpenAiChunk(const json& delta) {
  return {
      {"id", "chatcmpl-test"},
      {"object", "chat.completion.chunk"},
      {"model", "test-model"},
      {"choices",
       json::array(
           {{{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}}})}};
}

json GeminiChunk(const std::string& text) {
  return {
      {"candidates", json::array({{{"content",
                                    {{"parts", json::array({{{"text", text}}})},
                                     {"role", "model"}}},
                                   {"index", 0}}})},
      {"modelVersion", "test-model"}};
}

bool ReportsUsage(const LlmStream& stream) {
  return stream.prompt_tokens >= 0 || stream.output_tokens >= 0;
}

// The stream's JSON chunks, in order (without transport framing).
std::vector<json> ChunkJson(const LlmStream& stream) {
  bool gemini = stream.format != LlmStream::Format::kOpenAiSse;
  std::vector<json> chunks;
  if (stream.role_event_first) {
    chunks.push_back(
        gemini ? GeminiChunk("")
               : OpenAiChunk({{"role", "assistant"}, {"content", ""}}));
  }
  for (const std::string& piece : stream.pieces) {
    chunks.push_back(gemini ? GeminiChunk(piece)
                            : OpenAiChunk({{"content", piece}}));
  }
  if (gemini) {
    // Gemini reports the finish reason and usage on the last chunk.
    if (chunks.empty()) chunks.push_back(GeminiChunk(""));
    json& last = chunks.back();
    last["candidates"][0]["finishReason"] = "STOP";
    if (ReportsUsage(stream)) {
      int prompt = std::max(stream.prompt_tokens, 0);
      int output = std::max(stream.output_tokens, 0);
      last["usageMetadata"] = {{"promptTokenCount", prompt},
                               {"candidatesTokenCount", output},
                               {"totalTokenCount", prompt + output}};
    }
  } else {
    json finish = OpenAiChunk(json::object());
    finish["choices"][0]["finish_reason"] = "stop";
    if (ReportsUsage(stream)) {
      int prompt = std::max(stream.prompt_tokens, 0);
      int output = std::max(stream.output_tokens, 0);
      finish["usage"] = {{"prompt_tokens", prompt},
                         {"completion_tokens", output},
                         {"total_tokens", prompt + output}};
    }
    chunks.push_back(std::move(finish));
  }
  return chunks;
}

std::string_view StreamContentType(const LlmStream& stream) {
  return stream.format == LlmStream::Format::kGeminiJsonArray
             ? kJson
             : std::string_view("text/event-stream");
}

}  // namespace

std::vector<std::string> LlmStreamEvents(const LlmStream& stream) {
  std::vector<json> chunks = ChunkJson(stream);
  std::vector<std::string> events;
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::string text = chunks[i].dump();
    switch (stream.format) {
      case LlmStream::Format::kOpenAiSse:
        events.push_back("data: " + text + "\n\n");
        break;
      case LlmStream::Format::kGeminiSse:
        events.push_back("data: " + text + "\r\n\r\n");
        break;
      case LlmStream::Format::kGeminiJsonArray:
        // Gemini's framing: "[{...}" then ",\r\n{...}", and "]" with the
        // last element.
        events.push_back((i == 0 ? "[" : ",\r\n") + text +
                         (i + 1 == chunks.size() ? "]" : ""));
        break;
    }
  }
  if (stream.format == LlmStream::Format::kOpenAiSse) {
    events.push_back("data: [DONE]\n\n");
  }
  return events;
}

Handler StreamLlm(LlmStream stream) {
  std::vector<std::string> events = LlmStreamEvents(stream);
  return [stream = std::move(stream), events = std::move(events)](
             const HttpRequest&, ResponseWriter& writer) {
    writer.StartChunked(200, StreamContentType(stream));
    size_t first_content = stream.role_event_first ? 1 : 0;
    size_t last_content = first_content + stream.pieces.size();  // exclusive
    for (size_t i = 0; i < events.size(); ++i) {
      std::chrono::nanoseconds delay{0};
      if (i == 0) {
        delay = stream.first_event_delay;
      } else if (i == first_content) {
        delay = stream.first_content_delay;
      } else if (i < last_content) {
        delay = stream.gap;
      }
      if (delay.count() > 0 && !writer.Sleep(delay)) return;
      writer.SendChunk(events[i]);
    }
    writer.EndChunked();
  };
}

}  // namespace loadgate::test_support
