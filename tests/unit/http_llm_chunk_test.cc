#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http/json_array_stream.h"
#include "http/llm_chunk.h"
#include "http/sse_parser.h"
#include "support/exact_bytes.h"

namespace loadgate::http {
namespace {

// --- OpenAI chat completions / completions -------------------------------

TEST(LlmChunkTest, OpenAiRoleOnlyFirstChunkHasNoContent) {
  for (std::string_view role_chunk :
       {"{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{"
        "\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        "\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
        "\"content\":null,\"refusal\":null}}],\"usage\":null}"}) {
    const LlmChunk chunk = InspectLlmChunk(role_chunk);
    EXPECT_EQ(chunk.content_chars, 0u) << role_chunk;
    EXPECT_FALSE(chunk.done);
    EXPECT_FALSE(chunk.is_error);
    EXPECT_EQ(chunk.prompt_tokens, -1);
    EXPECT_EQ(chunk.output_tokens, -1);
  }
}

TEST(LlmChunkTest, OpenAiContentDelta) {
  const LlmChunk chunk = InspectLlmChunk(
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{"
      "\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}]}");
  EXPECT_EQ(chunk.content_chars, 5u);
  EXPECT_FALSE(chunk.done);
}

TEST(LlmChunkTest, ContentIsCountedInDecodedUtf8Bytes) {
  // "a\nb" + e-acute (2 bytes) + '"' + an emoji as a surrogate pair (4).
  const LlmChunk chunk = InspectLlmChunk(
      "{\"choices\":[{\"delta\":{\"content\":"
      "\"a\\nb\\u00e9\\\"\\ud83d\\ude00\"}}]}");
  EXPECT_EQ(chunk.content_chars, 1u + 1 + 1 + 2 + 1 + 4);
}

TEST(LlmChunkTest, OpenAiSeveralChoicesAndLegacyCompletions) {
  EXPECT_EQ(InspectLlmChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                            "\"ab\"}},{\"index\":1,\"delta\":{\"content\":"
                            "\"cde\"}}]}")
                .content_chars,
            5u);
  EXPECT_EQ(InspectLlmChunk("{\"object\":\"text_completion\",\"choices\":[{"
                            "\"text\":\" world\",\"index\":0}]}")
                .content_chars,
            6u);
}

TEST(LlmChunkTest, OpenAiToolCallArgumentsAreNotContent) {
  const LlmChunk chunk = InspectLlmChunk(
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
      "\"arguments\":\"{\\\"text\\\":\\\"x\\\"}\"}}]}}]}");
  EXPECT_EQ(chunk.content_chars, 0u);
  EXPECT_FALSE(chunk.is_error);
}

TEST(LlmChunkTest, OpenAiFinishAndUsageAndDone) {
  const LlmChunk finish = InspectLlmChunk(
      "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
  EXPECT_EQ(finish.content_chars, 0u);
  EXPECT_FALSE(finish.done);  // [DONE] (or the usage chunk) still follows

  // Key order must not matter: usage before choices.
  const LlmChunk usage = InspectLlmChunk(
      "{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,"
      "\"total_tokens\":46,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
      "\"choices\":[]}");
  EXPECT_EQ(usage.prompt_tokens, 12);
  EXPECT_EQ(usage.output_tokens, 34);
  EXPECT_EQ(usage.content_chars, 0u);

  EXPECT_TRUE(InspectLlmChunk("[DONE]").done);
  EXPECT_TRUE(InspectLlmChunk(" [DONE]\r\n").done);
  EXPECT_FALSE(InspectLlmChunk("[DONE]").is_error);
}

TEST(LlmChunkTest, ErrorsAreRecognised) {
  EXPECT_TRUE(InspectLlmChunk("{\"error\":{\"message\":\"Rate limit\",\"type\":"
                              "\"rate_limit_exceeded\",\"code\":null}}")
                  .is_error);
  EXPECT_TRUE(InspectLlmChunk("{\"error\":{\"code\":429,\"message\":\"Resource "
                              "has been exhausted\",\"status\":"
                              "\"RESOURCE_EXHAUSTED\"}}")
                  .is_error);
  EXPECT_TRUE(
      InspectLlmChunk("{\"type\":\"error\",\"error\":{\"type\":"
                      "\"overloaded_error\",\"message\":\"Overloaded\"}}")
          .is_error);
  EXPECT_FALSE(InspectLlmChunk("{\"error\":null,\"choices\":[]}").is_error);
  // Not a JSON object: the stream is broken.
  for (std::string_view broken :
       {"", "{", "not json", "{\"choices\":[}", "[{\"choices\":[]}]", "42"}) {
    EXPECT_TRUE(InspectLlmChunk(broken).is_error) << broken;
  }
}

// A chunk cut right after a separator is broken, and is read without
// looking past its last byte (a heap over-read found by fuzzing).
TEST(LlmChunkTest, ChunkEndingAfterSeparatorIsBrokenAndReadInBounds) {
  for (std::string_view cut : {"{\"a\":1,", "{\"choices\":[{\"text\":\"x\"},",
                               "{\"usage\":{\"prompt_tokens\":1, "}) {
    const test_support::ExactBytes chunk(cut);
    EXPECT_TRUE(InspectLlmChunk(chunk.view()).is_error) << cut;
    const LlmUsage usage = InspectLlmResponse(chunk.view());
    EXPECT_EQ(usage.prompt_tokens, -1) << cut;
  }
}

// --- Gemini / Vertex AI ---------------------------------------------------

TEST(LlmChunkTest, GeminiChunks) {
  const LlmChunk first = InspectLlmChunk(
      "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}, "
      "{\"text\": \"lo\"}],\"role\": \"model\"},\"index\": 0}],"
      "\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": "
      "2,\"totalTokenCount\": 10},\"modelVersion\": \"gemini-1.5-flash\"}");
  EXPECT_EQ(first.content_chars, 5u);
  EXPECT_FALSE(first.done);
  EXPECT_EQ(first.prompt_tokens, 8);
  EXPECT_EQ(first.output_tokens, 2);

  const LlmChunk last = InspectLlmChunk(
      "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"!\"}],"
      "\"role\": \"model\"},\"finishReason\": \"STOP\",\"safetyRatings\": "
      "[{\"category\": \"HARM_CATEGORY_HATE_SPEECH\",\"probability\": "
      "\"NEGLIGIBLE\"}]}]}");
  EXPECT_EQ(last.content_chars, 1u);
  EXPECT_TRUE(last.done);
  EXPECT_EQ(last.prompt_tokens, -1);

  // A function call part has no text.
  EXPECT_EQ(InspectLlmChunk("{\"candidates\":[{\"content\":{\"parts\":[{"
                            "\"functionCall\":{\"name\":\"f\",\"args\":{"
                            "\"text\":\"x\"}}}]}}]}")
                .content_chars,
            0u);
}

// --- Anthropic Messages ---------------------------------------------------

TEST(LlmChunkTest, AnthropicEvents) {
  const LlmChunk start = InspectLlmChunk(
      "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
      "\"message\",\"role\":\"assistant\",\"content\":[],\"model\":"
      "\"claude-3-5-sonnet\",\"stop_reason\":null,\"usage\":{"
      "\"input_tokens\":25,\"output_tokens\":1}}}");
  EXPECT_EQ(start.prompt_tokens, 25);
  EXPECT_EQ(start.output_tokens, -1);  // a placeholder, not the final count
  EXPECT_EQ(start.content_chars, 0u);

  EXPECT_EQ(InspectLlmChunk("{\"type\":\"content_block_start\",\"index\":0,"
                            "\"content_block\":{\"type\":\"text\",\"text\":"
                            "\"\"}}")
                .content_chars,
            0u);
  EXPECT_EQ(InspectLlmChunk("{\"type\":\"content_block_delta\",\"index\":0,"
                            "\"delta\":{\"type\":\"text_delta\",\"text\":"
                            "\"Hello!\"}}")
                .content_chars,
            6u);
  const LlmChunk message_delta = InspectLlmChunk(
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
      "\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}");
  EXPECT_EQ(message_delta.output_tokens, 15);
  EXPECT_FALSE(message_delta.done);
  EXPECT_TRUE(InspectLlmChunk("{\"type\":\"message_stop\"}").done);
  const LlmChunk ping = InspectLlmChunk("{\"type\": \"ping\"}");
  EXPECT_FALSE(ping.done || ping.is_error || ping.content_chars > 0);
}

// --- Whole streams through the stream parsers -----------------------------

struct Totals {
  uint32_t content_chars = 0;
  int chunks_with_content = 0;
  bool done = false;
  bool error = false;
  int32_t prompt_tokens = -1;
  int32_t output_tokens = -1;

  void Add(const LlmChunk& chunk) {
    content_chars += chunk.content_chars;
    chunks_with_content += chunk.content_chars > 0 ? 1 : 0;
    done = done || chunk.done;
    error = error || chunk.is_error;
    if (chunk.prompt_tokens >= 0) prompt_tokens = chunk.prompt_tokens;
    if (chunk.output_tokens >= 0) output_tokens = chunk.output_tokens;
  }
};

struct SseTotals : SseParser::Handler, Totals {
  void OnEvent(std::string_view, std::string_view data) override {
    Add(InspectLlmChunk(data));
  }
};

struct ArrayTotals : JsonArrayStreamParser::Handler, Totals {
  void OnElement(std::string_view json) override { Add(InspectLlmChunk(json)); }
};

TEST(LlmChunkTest, AnthropicStreamEndToEnd) {
  constexpr std::string_view kStream =
      "event: message_start\r\n"
      "data: {\"type\":\"message_start\",\"message\":{\"usage\":{"
      "\"input_tokens\":25,\"output_tokens\":1}}}\r\n\r\n"
      "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
      "event: content_block_delta\r\n"
      "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
      "\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n"
      "event: content_block_delta\r\n"
      "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
      "\"type\":\"text_delta\",\"text\":\" there\"}}\r\n\r\n"
      "event: message_delta\r\n"
      "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"end_turn\"},\"usage\":{\"output_tokens\":3}}\r\n\r\n"
      "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
  SseParser parser;
  SseTotals totals;
  parser.Feed(kStream, totals);
  EXPECT_EQ(totals.content_chars, 8u);
  EXPECT_EQ(totals.chunks_with_content, 2);
  EXPECT_TRUE(totals.done);
  EXPECT_FALSE(totals.error);
  EXPECT_EQ(totals.prompt_tokens, 25);
  EXPECT_EQ(totals.output_tokens, 3);
}

TEST(LlmChunkTest, GeminiJsonArrayStreamEndToEnd) {
  constexpr std::string_view kStream =
      "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"One\"}],"
      "\"role\": \"model\"}}],\"usageMetadata\": {\"promptTokenCount\": 4,"
      "\"candidatesTokenCount\": 1}}\r\n,\r\n"
      "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" two\"}],"
      "\"role\": \"model\"},\"finishReason\": \"STOP\"}],\"usageMetadata\": "
      "{\"promptTokenCount\": 4,\"candidatesTokenCount\": 2}}\r\n]";
  JsonArrayStreamParser parser;
  ArrayTotals totals;
  ASSERT_TRUE(parser.Feed(kStream, totals));
  EXPECT_TRUE(parser.finished());
  EXPECT_EQ(totals.content_chars, 7u);
  EXPECT_TRUE(totals.done);
  EXPECT_EQ(totals.prompt_tokens, 4);
  EXPECT_EQ(totals.output_tokens, 2);
}

// --- Whole (non-streamed) JSON responses ---------------------------------

TEST(LlmResponseTest, OpenAiChatCompletion) {
  const LlmUsage usage = InspectLlmResponse(
      R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"Hi there"},)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,)"
      R"("completion_tokens":3,"total_tokens":15,)"
      R"("completion_tokens_details":{"reasoning_tokens":0}}})");
  EXPECT_EQ(usage.prompt_tokens, 12);
  EXPECT_EQ(usage.output_tokens, 3);
}

TEST(LlmResponseTest, AnthropicMessageCountsItsFinalOutputTokens) {
  const LlmUsage usage = InspectLlmResponse(
      R"({"id":"msg_1","type":"message","role":"assistant","content":[)"
      R"({"type":"text","text":"Hello"}],"stop_reason":"end_turn",)"
      R"("usage":{"input_tokens":25,"output_tokens":7}})");
  EXPECT_EQ(usage.prompt_tokens, 25);
  EXPECT_EQ(usage.output_tokens, 7);
}

TEST(LlmResponseTest, GeminiGenerateContent) {
  const LlmUsage usage = InspectLlmResponse(
      "{\n  \"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],"
      "\"role\": \"model\"}, \"finishReason\": \"STOP\"}],\n"
      "  \"usageMetadata\": {\"promptTokenCount\": 9, "
      "\"candidatesTokenCount\": 4, \"totalTokenCount\": 13},\n"
      "  \"modelVersion\": \"gemini-2.0-flash\"\n}\n");
  EXPECT_EQ(usage.prompt_tokens, 9);
  EXPECT_EQ(usage.output_tokens, 4);
}

// The sample app's POST /triage passes the provider's usage through.
TEST(LlmResponseTest, ApplicationPassingUsageThrough) {
  const LlmUsage usage = InspectLlmResponse(
      R"({"response":"Take it easy","trace_id":"4bf92f3577b34da6",)"
      R"("model":"gemini-2.0-flash","usage":{"prompt_tokens":120,)"
      R"("completion_tokens":48,"total_tokens":168},"latency_ms":35.2})");
  EXPECT_EQ(usage.prompt_tokens, 120);
  EXPECT_EQ(usage.output_tokens, 48);
}

TEST(LlmResponseTest, GeminiJsonArrayReadWholeKeepsTheLastReport) {
  const LlmUsage usage = InspectLlmResponse(
      "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"One\"}]}}],"
      "\"usageMetadata\": {\"promptTokenCount\": 4,"
      "\"candidatesTokenCount\": 1}}\r\n,\r\n"
      "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" two\"}]},"
      "\"finishReason\": \"STOP\"}],\"usageMetadata\": "
      "{\"promptTokenCount\": 4,\"candidatesTokenCount\": 2}}\r\n, 7]");
  EXPECT_EQ(usage.prompt_tokens, 4);
  EXPECT_EQ(usage.output_tokens, 2);
}

TEST(LlmResponseTest, OnlyTopLevelUsageCounts) {
  // A nested "usage" is the application's business, not a token report.
  const LlmUsage usage = InspectLlmResponse(
      R"({"items":[{"usage":{"prompt_tokens":5,"completion_tokens":6}}],)"
      R"("message":{"usage":{"input_tokens":3,"output_tokens":1}}})");
  EXPECT_EQ(usage.prompt_tokens, -1);
  EXPECT_EQ(usage.output_tokens, -1);
}

TEST(LlmResponseTest, PartialUsageReportsOnlyWhatIsThere) {
  const LlmUsage usage =
      InspectLlmResponse(R"({"usage":{"prompt_tokens":8,"total_tokens":8}})");
  EXPECT_EQ(usage.prompt_tokens, 8);
  EXPECT_EQ(usage.output_tokens, -1);
}

TEST(LlmResponseTest, AnythingButOneWellFormedDocumentHasNoUsage) {
  const std::string complete =
      R"({"usage":{"prompt_tokens":1,"completion_tokens":2}})";
  ASSERT_EQ(InspectLlmResponse(complete).output_tokens, 2);
  for (const std::string& text : std::vector<std::string>{
           complete.substr(0, complete.size() - 1),  // truncated
           complete + "{}",                          // two documents
           complete + " x",                          // trailing garbage
           "[" + complete,                           // unterminated array
           R"({"usage":{"prompt_tokens":1,"completion_tokens":2},})",
           "usage: prompt_tokens=1",  // not JSON at all
           "\"usage\"",               // a scalar document
           "",
           "  \n",
       }) {
    const LlmUsage usage = InspectLlmResponse(text);
    EXPECT_EQ(usage.prompt_tokens, -1) << text;
    EXPECT_EQ(usage.output_tokens, -1) << text;
  }
}

TEST(LlmResponseTest, NegativeOrFractionalCountsAreIgnored) {
  const LlmUsage usage = InspectLlmResponse(
      R"({"usage":{"prompt_tokens":-4,"completion_tokens":2.5}})");
  EXPECT_EQ(usage.prompt_tokens, -1);
  EXPECT_EQ(usage.output_tokens, -1);
}

}  // namespace
}  // namespace loadgate::http
