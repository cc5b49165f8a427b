// The text of LLM exchanges: JSON string literals for request bodies, and
// the answer text read out of each API's streamed chunks and whole bodies.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/llm_text.h"
#include "http/sse_parser.h"

namespace loadgate::http {
namespace {

constexpr size_t kNoLimit = 1 << 20;

std::string Answer(std::string_view json) {
  std::string out;
  EXPECT_TRUE(AppendLlmAnswerText(json, kNoLimit, out)) << json;
  return out;
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out = "x";
  AppendJsonString(out, "say \"hi\"\\ \n\r\t\b\f\x01\x1f end");
  EXPECT_EQ(out, "x\"say \\\"hi\\\"\\\\ \\n\\r\\t\\b\\f\\u0001\\u001f end\"");
}

TEST(JsonStringTest, KeepsUtf8AndSlashesAsTheyAre) {
  std::string out;
  AppendJsonString(out, "caf\xc3\xa9 \xf0\x9f\x98\x80 a/b \x7f");
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xf0\x9f\x98\x80 a/b \x7f\"");
  out.clear();
  AppendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
}

TEST(JsonStringTest, RoundTripsThroughTheAnswerReader) {
  const std::string text = "line 1\nline \"2\"\t\\ caf\xc3\xa9 \x02";
  std::string json = "{\"choices\":[{\"delta\":{\"content\":";
  AppendJsonString(json, text);
  json += "}}]}";
  EXPECT_EQ(Answer(json), text);
}

TEST(LlmAnswerTextTest, OpenAiStreamedChunks) {
  EXPECT_EQ(Answer("{\"choices\":[{\"index\":0,\"delta\":{\"role\":"
                   "\"assistant\",\"content\":\"\"}}]}"),
            "");
  EXPECT_EQ(Answer("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{"
                   "\"content\":\"Hel\\\"lo\\n\"},\"finish_reason\":null}]}"),
            "Hel\"lo\n");
  EXPECT_EQ(Answer("{\"choices\":[{\"text\":\" completion\"}]}"),
            " completion");
  EXPECT_EQ(Answer("{\"choices\":[],\"usage\":{\"prompt_tokens\":3}}"), "");
  EXPECT_EQ(Answer("[DONE]"), "");
}

TEST(LlmAnswerTextTest, OnlyTheFirstChoiceOrCandidateIsTheAnswer) {
  EXPECT_EQ(Answer("{\"choices\":[{\"delta\":{\"content\":\"a\"}},"
                   "{\"delta\":{\"content\":\"b\"}}]}"),
            "a");
  EXPECT_EQ(Answer("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                   "\"a\"}]}},{\"content\":{\"parts\":[{\"text\":\"b\"}]}}]}"),
            "a");
}

TEST(LlmAnswerTextTest, OpenAiWholeAnswer) {
  EXPECT_EQ(Answer("{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":"
                   "[{\"index\":0,\"message\":{\"role\":\"assistant\","
                   "\"content\":\"The answer\\u00e9\"},\"finish_reason\":"
                   "\"stop\"}],\"usage\":{\"prompt_tokens\":5}}"),
            "The answer\xc3\xa9");
  EXPECT_EQ(Answer("{\"choices\":[{\"message\":{\"content\":null}}]}"), "");
}

TEST(LlmAnswerTextTest, GeminiChunksAndWholeAnswersJoinTheirParts) {
  const std::string_view chunk =
      "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
      "\"one \"},{\"text\":\"two\"}]},\"index\":0}],\"usageMetadata\":{"
      "\"promptTokenCount\":4}}";
  EXPECT_EQ(Answer(chunk), "one two");
  // streamGenerateContent without alt=sse, read as one body.
  EXPECT_EQ(Answer(std::string("[") + std::string(chunk) + "," +
                   std::string(chunk) + "]"),
            "one twoone two");
}

TEST(LlmAnswerTextTest, AnthropicDeltasAndWholeMessages) {
  EXPECT_EQ(Answer("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
                   "\"type\":\"text_delta\",\"text\":\"Hi \\ud83d\\ude00\"}}"),
            "Hi \xf0\x9f\x98\x80");
  EXPECT_EQ(Answer("{\"type\":\"message_start\",\"message\":{\"id\":\"m\","
                   "\"content\":[],\"usage\":{\"input_tokens\":3}}}"),
            "");
  EXPECT_EQ(Answer("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                   "\"end_turn\"},\"usage\":{\"output_tokens\":2}}"),
            "");
  EXPECT_EQ(Answer("{\"id\":\"m\",\"type\":\"message\",\"role\":"
                   "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":"
                   "\"a\"},{\"type\":\"tool_use\",\"id\":\"t\"},{\"type\":"
                   "\"text\",\"text\":\"b\"}]}"),
            "ab");
}

TEST(LlmAnswerTextTest, MalformedJsonAddsNothing) {
  std::string out = "kept";
  EXPECT_TRUE(AppendLlmAnswerText(
      "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]", kNoLimit, out));
  EXPECT_TRUE(AppendLlmAnswerText("not json", kNoLimit, out));
  EXPECT_EQ(out, "kept");
}

TEST(LlmAnswerTextTest, StopsAtTheLimit) {
  std::string out = "12345";
  EXPECT_TRUE(AppendLlmAnswerText(
      "{\"choices\":[{\"delta\":{\"content\":\"678\"}}]}", 8, out));
  EXPECT_EQ(out, "12345678");
  // Decoded size counts: "\u00e9" is 2 bytes, one too many.
  EXPECT_FALSE(AppendLlmAnswerText(
      "{\"choices\":[{\"delta\":{\"content\":\"\\u00e9\"}}]}", 9, out));
  EXPECT_EQ(out, "12345678");
}

// Collects the answer of an SSE stream, event by event, as the worker does.
class AnswerSink : public SseParser::Handler {
 public:
  void OnEvent(std::string_view, std::string_view data) override {
    EXPECT_TRUE(AppendLlmAnswerText(data, kNoLimit, answer));
  }
  std::string answer;
};

TEST(LlmAnswerTextTest, StreamSplitAnywhereGivesTheSameAnswer) {
  const std::string stream =
      "event: content_block_delta\n"
      "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"caf\xc3\xa9 \\\"q\\\"\"}}\n\n"
      "event: content_block_delta\n"
      "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\" \\u00e9\\n2\"}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  for (size_t split = 0; split <= stream.size(); ++split) {
    SseParser parser;
    AnswerSink sink;
    ASSERT_TRUE(parser.Feed(std::string_view(stream).substr(0, split), sink));
    ASSERT_TRUE(parser.Feed(std::string_view(stream).substr(split), sink));
    EXPECT_EQ(sink.answer, "caf\xc3\xa9 \"q\" \xc3\xa9\n2") << split;
  }
}

}  // namespace
}  // namespace loadgate::http
