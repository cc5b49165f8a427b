// Checks the hot-path promise of the http layer: once warmed up, parsing
// and request writing (LLM conversation bodies and answers included) do not
// allocate. The global operator new is replaced
// in this test binary to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/llm_body.h"
#include "http/json_array_stream.h"
#include "http/llm_chunk.h"
#include "http/llm_text.h"
#include "http/request_writer.h"
#include "http/response_parser.h"
#include "http/sse_parser.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace loadgate::http {
namespace {

// Counts allocations made while `fn` runs.
template <typename Fn>
long AllocationsDuring(Fn fn) {
  const long before = g_allocations.load();
  fn();
  return g_allocations.load() - before;
}

// Feeds `input` in pieces of `piece` bytes, so that headers, lines and
// elements straddle Feed calls and the internal buffers are exercised.
template <typename FeedFn>
void FeedInPieces(std::string_view input, size_t piece, FeedFn feed) {
  for (size_t i = 0; i < input.size(); i += piece) {
    feed(input.substr(i, piece));
  }
}

constexpr std::string_view kChunkedResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"
    "X-Request-Id: 0123456789abcdef\r\n"
    "\r\n"
    "30\r\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
    "\r\n"
    "E;ext=1\r\n"
    "data: [DONE]\n\n"
    "\r\n"
    "0\r\n"
    "\r\n";

class CountingSink : public BodySink {
 public:
  void OnBody(std::string_view decoded_bytes) override {
    bytes += decoded_bytes.size();
  }
  size_t bytes = 0;
};

TEST(HttpAllocationTest, ResponseParserSteadyStateDoesNotAllocate) {
  ResponseParser parser;
  CountingSink sink;
  const auto parse_once = [&](size_t piece) {
    parser.Reset();
    ResponseParser::Status status = ResponseParser::Status::kIncomplete;
    FeedInPieces(kChunkedResponse, piece, [&](std::string_view data) {
      size_t consumed = 0;
      status = parser.Feed(data, &consumed, &sink);
    });
    ASSERT_EQ(status, ResponseParser::Status::kComplete) << parser.error();
  };
  parse_once(7);  // warm-up
  EXPECT_EQ(AllocationsDuring([&] {
              for (int i = 0; i < 50; ++i) {
                parse_once(7);
                parse_once(kChunkedResponse.size());
              }
            }),
            0);
  EXPECT_GT(sink.bytes, 0u);
}

constexpr std::string_view kOpenAiStream =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w\\u00f6rld\"}"
    "}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
    "\"completion_tokens\":2}}\n\n"
    ": timing first_token_us=1000\n\n"
    "data: [DONE]\n\n";

class InspectingHandler : public SseParser::Handler,
                          public JsonArrayStreamParser::Handler {
 public:
  void OnEvent(std::string_view, std::string_view data) override {
    content_chars += InspectLlmChunk(data).content_chars;
  }
  void OnComment(std::string_view) override { ++comments; }
  void OnElement(std::string_view json) override {
    content_chars += InspectLlmChunk(json).content_chars;
  }
  uint64_t content_chars = 0;
  int comments = 0;
};

TEST(HttpAllocationTest, SseParsingAndChunkInspectionDoNotAllocate) {
  SseParser parser;
  InspectingHandler handler;
  const auto parse_once = [&](size_t piece) {
    parser.Reset();
    FeedInPieces(kOpenAiStream, piece,
                 [&](std::string_view data) { parser.Feed(data, handler); });
  };
  parse_once(5);
  EXPECT_EQ(AllocationsDuring([&] {
              for (int i = 0; i < 50; ++i) {
                parse_once(5);
                parse_once(kOpenAiStream.size());
              }
            }),
            0);
  // Warm-up plus 100 parses; " w\u00f6rld" is 7 UTF-8 bytes.
  EXPECT_EQ(handler.content_chars, 101u * (5 + 7));
}

TEST(HttpAllocationTest, JsonArrayStreamingDoesNotAllocate) {
  constexpr std::string_view kGemini =
      "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}]}}]}"
      "\r\n,\r\n{\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
      "\"lo\"}]},\"finishReason\": \"STOP\"}]}\r\n]";
  JsonArrayStreamParser parser;
  InspectingHandler handler;
  const auto parse_once = [&](size_t piece) {
    parser.Reset();
    FeedInPieces(kGemini, piece,
                 [&](std::string_view data) { parser.Feed(data, handler); });
    ASSERT_TRUE(parser.finished()) << parser.error();
  };
  parse_once(3);
  EXPECT_EQ(AllocationsDuring([&] {
              for (int i = 0; i < 50; ++i) parse_once(3);
            }),
            0);
  EXPECT_EQ(handler.content_chars, 51u * 5);
}

TEST(HttpAllocationTest, WholeResponseUsageInspectionDoesNotAllocate) {
  constexpr std::string_view kOpenAiResponse =
      "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{"
      "\"role\":\"assistant\",\"content\":\"Hello w\\u00f6rld\"},"
      "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,"
      "\"completion_tokens\":2,\"total_tokens\":7}}";
  int64_t output_tokens = 0;
  EXPECT_EQ(AllocationsDuring([&] {
              for (int i = 0; i < 50; ++i) {
                output_tokens +=
                    InspectLlmResponse(kOpenAiResponse).output_tokens;
              }
            }),
            0);
  EXPECT_EQ(output_tokens, 50 * 2);
}

TEST(HttpAllocationTest, RequestWritingIntoAReservedBufferDoesNotAllocate) {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  std::string out;
  out.reserve(512);
  EXPECT_EQ(AllocationsDuring([&] {
              for (int i = 0; i < 50; ++i) {
                out.clear();
                AppendRequest(out, "POST", "/v1/chat/completions",
                              "127.0.0.1:8080", headers,
                              "{\"model\":\"m\",\"stream\":true}");
              }
            }),
            0);
}

TEST(HttpAllocationTest, LlmTurnsBuildAndCollectIntoReusedBuffers) {
  Conversation conversation;
  conversation.system = "Be brief.";
  conversation.turns = {{.user = "first \"question\"\n"},
                        {.user = "second", .max_output_tokens = 64}};
  LlmConversations llm;
  llm.model = "m";
  constexpr std::string_view kChunk =
      "{\"choices\":[{\"delta\":{\"content\":\"caf\\u00e9 \\\"ok\\\"\"}}]}";
  std::vector<std::string> answers(1);
  answers[0].reserve(64);
  std::string body;
  body.reserve(1024);
  for (LlmApi api : {LlmApi::kOpenAi, LlmApi::kGemini, LlmApi::kAnthropic}) {
    llm.api = api;
    EXPECT_EQ(AllocationsDuring([&] {
                for (int i = 0; i < 50; ++i) {
                  answers[0].clear();
                  EXPECT_TRUE(AppendLlmAnswerText(kChunk, 1024, answers[0]));
                  body.clear();
                  engine::AppendLlmBody(llm, conversation, 1, answers, body);
                }
              }),
              0);
  }
  EXPECT_EQ(answers[0], "caf\xc3\xa9 \"ok\"");
}

}  // namespace
}  // namespace loadgate::http
