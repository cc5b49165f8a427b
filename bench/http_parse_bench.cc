// Cost of the per-response protocol work in the http layer: response
// framing, SSE splitting, JSON-array splitting and chunk inspection.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/json_array_stream.h"
#include "http/llm_chunk.h"
#include "http/request_writer.h"
#include "http/response_parser.h"
#include "http/sse_parser.h"

namespace loadgate::http {
namespace {

class CountingSink : public BodySink {
 public:
  void OnBody(std::string_view decoded_bytes) override {
    bytes += decoded_bytes.size();
  }
  size_t bytes = 0;
};

std::string OpenAiEvent(std::string_view content) {
  return "data: {\"id\":\"chatcmpl-9a8b7c6d\",\"object\":\"chat.completion."
         "chunk\",\"created\":1732352400,\"model\":\"gpt-4o-mini-2024-07-18\","
         "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,"
         "\"delta\":{\"content\":\"" +
         std::string(content) +
         "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

// A 64-token OpenAI chat completion stream with a role chunk, a usage chunk,
// a timing comment and [DONE].
std::string OpenAiStream() {
  std::string stream = OpenAiEvent("");
  for (int i = 0; i < 64; ++i) stream += OpenAiEvent(i % 3 ? " token" : "ing");
  stream +=
      "data: {\"id\":\"chatcmpl-9a8b7c6d\",\"choices\":[],\"usage\":{"
      "\"prompt_tokens\":42,\"completion_tokens\":64,\"total_tokens\":106}}"
      "\n\n: timing first_token_us=1234 total_us=98765\n\ndata: [DONE]\n\n";
  return stream;
}

std::string ChunkedResponse(std::string_view body, size_t chunk_size) {
  std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size_line[32];
  for (size_t i = 0; i < body.size(); i += chunk_size) {
    const std::string_view chunk = body.substr(i, chunk_size);
    snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
    response += size_line;
    response += chunk;
    response += "\r\n";
  }
  return response + "0\r\n\r\n";
}

void ParseResponse(benchmark::State& state, std::string_view response) {
  ResponseParser parser;
  CountingSink sink;
  for (auto _ : state) {
    parser.Reset();
    size_t consumed = 0;
    const auto status = parser.Feed(response, &consumed, &sink);
    benchmark::DoNotOptimize(status);
  }
  benchmark::DoNotOptimize(sink.bytes);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(response.size()));
}

void BM_ResponseContentLength(benchmark::State& state) {
  ParseResponse(state,
                "HTTP/1.1 200 OK\r\n"
                "Date: Mon, 23 Nov 2026 09:00:00 GMT\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 27\r\n"
                "\r\n"
                "{\"id\":42,\"status\":\"active\"}");
}
BENCHMARK(BM_ResponseContentLength);

void BM_ResponseChunked(benchmark::State& state) {
  const std::string body = OpenAiStream();
  // One chunk per ~event, as a streaming server flushes.
  ParseResponse(state, ChunkedResponse(body, 256));
}
BENCHMARK(BM_ResponseChunked);

void BM_SseOpenAiStream(benchmark::State& state) {
  const std::string stream = OpenAiStream();
  const size_t piece = static_cast<size_t>(state.range(0));
  SseParser parser;
  struct Handler : SseParser::Handler {
    void OnEvent(std::string_view, std::string_view data) override {
      bytes += data.size();
    }
    size_t bytes = 0;
  } handler;
  for (auto _ : state) {
    parser.Reset();
    for (size_t i = 0; i < stream.size(); i += piece) {
      parser.Feed(std::string_view(stream).substr(i, piece), handler);
    }
  }
  benchmark::DoNotOptimize(handler.bytes);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(stream.size()));
}
// Whole stream in one read, and in reads of 100 bytes (events straddle reads).
BENCHMARK(BM_SseOpenAiStream)->Arg(1 << 20)->Arg(100);

void BM_SseWithChunkInspection(benchmark::State& state) {
  const std::string stream = OpenAiStream();
  SseParser parser;
  struct Handler : SseParser::Handler {
    void OnEvent(std::string_view, std::string_view data) override {
      chars += InspectLlmChunk(data).content_chars;
    }
    uint64_t chars = 0;
  } handler;
  for (auto _ : state) {
    parser.Reset();
    parser.Feed(stream, handler);
  }
  benchmark::DoNotOptimize(handler.chars);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(stream.size()));
}
BENCHMARK(BM_SseWithChunkInspection);

void InspectChunk(benchmark::State& state, std::string_view chunk) {
  for (auto _ : state) {
    const LlmChunk result = InspectLlmChunk(chunk);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(chunk.size()));
}

void BM_InspectOpenAiChunk(benchmark::State& state) {
  const std::string event = OpenAiEvent(" token");
  InspectChunk(state, std::string_view(event).substr(6, event.size() - 8));
}
BENCHMARK(BM_InspectOpenAiChunk);

void BM_InspectGeminiChunk(benchmark::State& state) {
  InspectChunk(
      state,
      "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" token\"}],"
      "\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": "
      "{\"promptTokenCount\": 42,\"candidatesTokenCount\": 7,"
      "\"totalTokenCount\": 49},\"modelVersion\": \"gemini-1.5-flash-002\"}");
}
BENCHMARK(BM_InspectGeminiChunk);

void BM_InspectAnthropicChunk(benchmark::State& state) {
  InspectChunk(state,
               "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
               "\"type\":\"text_delta\",\"text\":\" token\"}}");
}
BENCHMARK(BM_InspectAnthropicChunk);

void BM_JsonArrayGeminiStream(benchmark::State& state) {
  std::string stream = "[";
  for (int i = 0; i < 32; ++i) {
    if (i > 0) stream += "\r\n,\r\n";
    stream +=
        "{\n  \"candidates\": [\n    {\n      \"content\": {\n        "
        "\"parts\": [\n          {\n            \"text\": \" token\"\n       "
        "   }\n        ],\n        \"role\": \"model\"\n      },\n      "
        "\"index\": 0\n    }\n  ]\n}";
  }
  stream += "\r\n]";
  JsonArrayStreamParser parser;
  struct Handler : JsonArrayStreamParser::Handler {
    void OnElement(std::string_view json) override { bytes += json.size(); }
    size_t bytes = 0;
  } handler;
  for (auto _ : state) {
    parser.Reset();
    for (size_t i = 0; i < stream.size(); i += 100) {
      parser.Feed(std::string_view(stream).substr(i, 100), handler);
    }
  }
  benchmark::DoNotOptimize(handler.bytes);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(stream.size()));
}
BENCHMARK(BM_JsonArrayGeminiStream);

void BM_AppendRequest(benchmark::State& state) {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"Accept", "text/event-stream"},
      {"Authorization", "Bearer sk-test-0123456789"}};
  const std::string body =
      "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":"
      "\"user\",\"content\":\"Say hello\"}]}";
  std::string out;
  out.reserve(1024);
  for (auto _ : state) {
    out.clear();
    AppendRequest(out, "POST", "/v1/chat/completions", "127.0.0.1:8080",
                  headers, body);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AppendRequest);

}  // namespace
}  // namespace loadgate::http
