#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http/sse_parser.h"

namespace loadgate::http {
namespace {

using ::testing::ElementsAre;

// Records every callback as one string, in order.
class Recorder : public SseParser::Handler {
 public:
  void OnEvent(std::string_view event_type, std::string_view data) override {
    calls.push_back("event " + std::string(event_type) + ": " +
                    std::string(data));
  }
  void OnComment(std::string_view text) override {
    calls.push_back("comment: " + std::string(text));
  }
  std::vector<std::string> calls;
};

std::vector<std::string> Parse(const std::vector<std::string_view>& pieces) {
  SseParser parser;
  Recorder recorder;
  for (std::string_view piece : pieces) parser.Feed(piece, recorder);
  return recorder.calls;
}

std::vector<std::string> Parse(std::string_view input) {
  return Parse(std::vector<std::string_view>{input});
}

// Splitting at every byte boundary, and feeding byte by byte, must give the
// same callbacks as feeding the stream whole.
void ExpectSplitInvariant(std::string_view input) {
  const std::vector<std::string> whole = Parse(input);
  for (size_t split = 0; split <= input.size(); ++split) {
    ASSERT_EQ(Parse({input.substr(0, split), input.substr(split)}), whole)
        << "split at byte " << split;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  ASSERT_EQ(Parse(bytes), whole) << "one byte at a time";
}

constexpr std::string_view kOpenAiStream =
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
    "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n"
    ": loadgate-mock first_token_us=1200 total_us=5400\n\n";

TEST(SseParserTest, OpenAiStream) {
  EXPECT_THAT(
      Parse(kOpenAiStream),
      ElementsAre(
          "event message: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion."
          "chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
          "\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
          "event message: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion."
          "chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
          "\"Hello\"},\"finish_reason\":null}]}",
          "event message: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion."
          "chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
          "\"stop\"}]}",
          "event message: [DONE]",
          "comment: loadgate-mock first_token_us=1200 total_us=5400"));
  ExpectSplitInvariant(kOpenAiStream);
}

// Gemini streamGenerateContent?alt=sse frames events with CRLF.
constexpr std::string_view kGeminiStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}],"
    "\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": "
    "{\"promptTokenCount\": 8,\"candidatesTokenCount\": 1}}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"lo\"}],"
    "\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}]}\r\n\r\n";

TEST(SseParserTest, GeminiStreamWithCrLf) {
  const std::vector<std::string> calls = Parse(kGeminiStream);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].find("event message: {\"candidates\""), 0u);
  EXPECT_NE(calls[1].find("\"finishReason\": \"STOP\""), std::string::npos);
  EXPECT_EQ(calls[1].back(), '}');  // no stray CR in the data
  ExpectSplitInvariant(kGeminiStream);
}

constexpr std::string_view kAnthropicStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

TEST(SseParserTest, AnthropicStreamWithEventTypes) {
  EXPECT_THAT(
      Parse(kAnthropicStream),
      ElementsAre(
          "event message_start: {\"type\":\"message_start\",\"message\":{"
          "\"id\":\"msg_1\",\"usage\":{\"input_tokens\":25,\"output_tokens\":"
          "1}}}",
          "event ping: {\"type\": \"ping\"}",
          "event content_block_delta: {\"type\":\"content_block_delta\","
          "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
          "event message_stop: {\"type\":\"message_stop\"}"));
  ExpectSplitInvariant(kAnthropicStream);
}

TEST(SseParserTest, AllLineEndingsAndMixtures) {
  constexpr std::string_view kMixed =
      "event: a\rdata: 1\r\rdata: 2\r\ndata: 3\n\r\ndata: 4\n\n";
  EXPECT_THAT(Parse(kMixed), ElementsAre("event a: 1", "event message: 2\n3",
                                         "event message: 4"));
  ExpectSplitInvariant(kMixed);
}

TEST(SseParserTest, CrLfSplitAcrossFeedsIsOneLineEnd) {
  // Were the LF taken as a second line end, "a" would be dispatched alone.
  EXPECT_THAT(Parse({"data: a\r", "\ndata: b\r", "\n\r", "\n"}),
              ElementsAre("event message: a\nb"));
  EXPECT_THAT(Parse({"data: a\r", "", "\ndata: b\r\n\r\n"}),
              ElementsAre("event message: a\nb"));
}

TEST(SseParserTest, FieldParsingRules) {
  EXPECT_THAT(Parse("data:no space\n\n"),
              ElementsAre("event message: no space"));
  EXPECT_THAT(Parse("data:  two spaces\n\n"),
              ElementsAre("event message:  two spaces"));
  EXPECT_THAT(Parse("data: a: b\n\n"), ElementsAre("event message: a: b"));
  // A field name without a colon has an empty value.
  EXPECT_THAT(Parse("data\ndata\n\n"), ElementsAre("event message: \n"));
  EXPECT_THAT(Parse("data:\n\n"), ElementsAre("event message: "));
  // Field names are case-sensitive; unknown fields and retry are ignored.
  EXPECT_THAT(Parse("Data: x\nretry: 10\nfoo: bar\ndata: y\n\n"),
              ElementsAre("event message: y"));
  // The event type applies to one event only.
  EXPECT_THAT(Parse("event: custom\ndata: 1\n\ndata: 2\n\n"),
              ElementsAre("event custom: 1", "event message: 2"));
}

TEST(SseParserTest, EventsWithoutDataAreNotDispatched) {
  EXPECT_THAT(Parse("event: lonely\n\n\n\nid: 3\n\ndata: x\n\n"),
              ElementsAre("event message: x"));
}

TEST(SseParserTest, CommentsAreReportedWithoutTheColon) {
  EXPECT_THAT(Parse(":keepalive\n: spaced\n:\ndata: x\n\n"),
              ElementsAre("comment: keepalive", "comment: spaced",
                          "comment: ", "event message: x"));
}

TEST(SseParserTest, IncompleteEventAtEndIsDiscarded) {
  EXPECT_THAT(Parse("data: complete\n\ndata: partial\n"),
              ElementsAre("event message: complete"));
  EXPECT_THAT(Parse("data: complete\n\ndata: no newline"),
              ElementsAre("event message: complete"));
}

TEST(SseParserTest, LeadingByteOrderMarkIsIgnored) {
  constexpr std::string_view kWithBom =
      "\xEF\xBB\xBF"
      "data: x\n\n";
  EXPECT_THAT(Parse(kWithBom), ElementsAre("event message: x"));
  ExpectSplitInvariant(kWithBom);
  // Only at the start of the stream.
  EXPECT_THAT(Parse("data: x\n\n\xEF\xBB\xBF"
                    "data: y\n\n"),
              ElementsAre("event message: x"));
}

TEST(SseParserTest, LastEventIdAndReset) {
  SseParser parser;
  Recorder recorder;
  parser.Feed("id: 41\ndata: a\n\nid: 42\ndata: partial", recorder);
  EXPECT_EQ(parser.last_event_id(), "42");
  parser.Reset();
  EXPECT_EQ(parser.last_event_id(), "");
  parser.Feed("\n\ndata: b\n\n", recorder);
  // The partial event did not survive the Reset.
  EXPECT_THAT(recorder.calls,
              ElementsAre("event message: a", "event message: b"));
}

TEST(SseParserTest, LongLinesAcrossManyFeeds) {
  const std::string payload(100000, 'x');
  const std::string input = "data: " + payload + "\n\n";
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < input.size(); i += 997) {
    pieces.push_back(std::string_view(input).substr(i, 997));
  }
  EXPECT_THAT(Parse(pieces), ElementsAre("event message: " + payload));
}

TEST(SseParserTest, LineLongerThanTheBoundIsAnError) {
  SseParser parser(/*max_event_bytes=*/1000);
  Recorder recorder;
  EXPECT_TRUE(parser.Feed("data: ok\n\ndata: ", recorder));
  // An endless line, a piece at a time: the buffer stops at the bound.
  const std::string piece(300, 'x');
  bool accepted = true;
  for (int i = 0; i < 10 && accepted; ++i) {
    accepted = parser.Feed(piece, recorder);
  }
  EXPECT_FALSE(accepted);
  EXPECT_TRUE(parser.too_large());
  // Once failed, the rest of the stream is ignored.
  EXPECT_FALSE(parser.Feed("\n\ndata: late\n\n", recorder));
  EXPECT_THAT(recorder.calls, ElementsAre("event message: ok"));
}

TEST(SseParserTest, EventDataLongerThanTheBoundIsAnError) {
  SseParser parser(/*max_event_bytes=*/1000);
  Recorder recorder;
  // Many short data lines of one event add up past the bound, whether they
  // arrive in one piece or not.
  std::string event;
  for (int i = 0; i < 40; ++i) event += "data: " + std::string(40, 'y') + "\n";
  EXPECT_FALSE(parser.Feed(event + "\n", recorder));
  EXPECT_TRUE(recorder.calls.empty());
}

TEST(SseParserTest, ResetClearsTheErrorAndSetsANewBound) {
  SseParser parser(/*max_event_bytes=*/10);
  Recorder recorder;
  EXPECT_FALSE(parser.Feed("data: " + std::string(20, 'z') + "\n\n", recorder));
  parser.Reset(/*max_event_bytes=*/100);
  EXPECT_FALSE(parser.too_large());
  EXPECT_TRUE(parser.Feed("data: " + std::string(20, 'z') + "\n\n", recorder));
  EXPECT_THAT(recorder.calls,
              ElementsAre("event message: " + std::string(20, 'z')));
}

}  // namespace
}  // namespace loadgate::http
