#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http/response_parser.h"

namespace loadgate::http {
namespace {

using ::testing::HasSubstr;
using Status = ResponseParser::Status;

class StringSink : public BodySink {
 public:
  void OnBody(std::string_view decoded_bytes) override {
    body.append(decoded_bytes);
  }
  std::string body;
};

// Everything observable about one parsed response, so that parses of the
// same bytes split differently can be compared as a whole.
struct Outcome {
  Status status = Status::kIncomplete;
  size_t consumed = 0;  // bytes of the input used by this response
  std::string body;
  int code = 0;
  bool keep_alive = false;
  bool chunked = false;
  int64_t content_length = -1;
  std::string content_type;
  std::string error;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{status=" << static_cast<int>(o.status)
            << " consumed=" << o.consumed << " code=" << o.code
            << " keep_alive=" << o.keep_alive << " chunked=" << o.chunked
            << " content_length=" << o.content_length << " content_type=\""
            << o.content_type << "\" body=\"" << o.body << "\" error=\""
            << o.error << "\"}";
}

// Feeds `pieces` in order until the response completes or fails; with
// `eof`, then reports the end of the connection.
Outcome Parse(const std::vector<std::string_view>& pieces, bool eof = false,
              bool head = false, size_t max_header_bytes = 64 * 1024) {
  ResponseParser parser(max_header_bytes);
  parser.Reset(head);
  StringSink sink;
  Outcome outcome;
  for (std::string_view piece : pieces) {
    size_t consumed = 0;
    outcome.status = parser.Feed(piece, &consumed, &sink);
    EXPECT_LE(consumed, piece.size());
    outcome.consumed += consumed;
    if (outcome.status != Status::kIncomplete) break;
    EXPECT_EQ(consumed, piece.size()) << "kIncomplete must use all input";
  }
  if (eof && outcome.status == Status::kIncomplete) {
    outcome.status = parser.FinishOnEof(&sink);
  }
  outcome.body = sink.body;
  EXPECT_EQ(parser.body_bytes(), static_cast<int64_t>(sink.body.size()));
  outcome.code = parser.status();
  outcome.keep_alive = parser.keep_alive();
  outcome.chunked = parser.chunked();
  outcome.content_length = parser.content_length();
  outcome.content_type = std::string(parser.content_type());
  outcome.error = std::string(parser.error());
  return outcome;
}

// Checks that splitting `input` at every byte boundary, and feeding it one
// byte at a time, gives the same outcome as feeding it whole.
void ExpectSplitInvariant(std::string_view input, bool eof = false,
                          bool head = false) {
  const Outcome whole = Parse({input}, eof, head);
  for (size_t split = 0; split <= input.size(); ++split) {
    ASSERT_EQ(Parse({input.substr(0, split), input.substr(split)}, eof, head),
              whole)
        << "split at byte " << split;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  ASSERT_EQ(Parse(bytes, eof, head), whole) << "one byte at a time";
}

constexpr std::string_view kJsonResponse =
    "HTTP/1.1 200 OK\r\n"
    "Date: Mon, 23 Nov 2026 09:00:00 GMT\r\n"
    "Content-Type: Application/JSON; charset=utf-8\r\n"
    "content-LENGTH: 25\r\n"
    "\r\n"
    "{\"id\": 7, \"name\": \"ada\"}\n";

// An OpenAI-style SSE stream, chunked, with a chunk extension and trailers.
constexpr std::string_view kChunkedSse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Cache-Control: no-cache\r\n"
    "\r\n"
    "30\r\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
    "\r\n"
    "E;name=value\r\n"
    "data: [DONE]\n\n"
    "\r\n"
    "0\r\n"
    "X-Trailer: done\r\n"
    "\r\n";

constexpr std::string_view kChunkedSseBody =
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
    "data: [DONE]\n\n";

TEST(ResponseParserTest, ContentLengthBody) {
  const Outcome outcome = Parse({kJsonResponse});
  EXPECT_EQ(outcome.status, Status::kComplete);
  EXPECT_EQ(outcome.consumed, kJsonResponse.size());
  EXPECT_EQ(outcome.code, 200);
  EXPECT_EQ(outcome.body, "{\"id\": 7, \"name\": \"ada\"}\n");
  EXPECT_EQ(outcome.content_length, 25);
  EXPECT_EQ(outcome.content_type, "application/json");
  EXPECT_TRUE(outcome.keep_alive);
  EXPECT_FALSE(outcome.chunked);
  ExpectSplitInvariant(kJsonResponse);
}

TEST(ResponseParserTest, ChunkedBodyWithExtensionAndTrailers) {
  const Outcome outcome = Parse({kChunkedSse});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_EQ(outcome.consumed, kChunkedSse.size());
  EXPECT_EQ(outcome.body, kChunkedSseBody);
  EXPECT_TRUE(outcome.chunked);
  EXPECT_EQ(outcome.content_length, -1);
  EXPECT_EQ(outcome.content_type, "text/event-stream");
  EXPECT_TRUE(outcome.keep_alive);
  ExpectSplitInvariant(kChunkedSse);
}

TEST(ResponseParserTest, BodyIsReportedAsItArrives) {
  ResponseParser parser;
  StringSink sink;
  size_t consumed = 0;
  const size_t first_chunk_end = kChunkedSse.find("E;name");
  ASSERT_EQ(
      parser.Feed(kChunkedSse.substr(0, first_chunk_end), &consumed, &sink),
      Status::kIncomplete);
  EXPECT_TRUE(parser.headers_complete());
  EXPECT_EQ(sink.body, kChunkedSseBody.substr(0, 0x30));
}

TEST(ResponseParserTest, CloseDelimitedBodyEndsAtEof) {
  constexpr std::string_view kInput =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
  const Outcome outcome = Parse({kInput}, /*eof=*/true);
  EXPECT_EQ(outcome.status, Status::kComplete);
  EXPECT_EQ(outcome.body, "until the end");
  EXPECT_FALSE(outcome.keep_alive);
  ExpectSplitInvariant(kInput, /*eof=*/true);
  EXPECT_EQ(Parse({kInput}).status, Status::kIncomplete);
}

TEST(ResponseParserTest, TransferEncodingWithoutFinalChunkedIsCloseDelimited) {
  const Outcome outcome = Parse(
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nabc"},
      /*eof=*/true);
  EXPECT_EQ(outcome.status, Status::kComplete);
  EXPECT_FALSE(outcome.chunked);
  EXPECT_EQ(outcome.body, "5\r\nabc");
  EXPECT_FALSE(outcome.keep_alive);
}

TEST(ResponseParserTest, ChunkedIsCaseInsensitiveAndMayFollowOtherCodings) {
  const Outcome outcome =
      Parse({"HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: gzip\r\n"
             "transfer-encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_TRUE(outcome.chunked);
  EXPECT_EQ(outcome.body, "abc");
}

TEST(ResponseParserTest,
     TransferEncodingOverridesContentLengthButClosesConnection) {
  const Outcome outcome =
      Parse({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
             "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_EQ(outcome.body, "ok");
  EXPECT_FALSE(outcome.keep_alive);
}

TEST(ResponseParserTest, ConnectionSemantics) {
  EXPECT_FALSE(Parse({"HTTP/1.1 200 OK\r\nConnection: Close\r\n"
                      "Content-Length: 0\r\n\r\n"})
                   .keep_alive);
  EXPECT_FALSE(Parse({"HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n"
                      "Content-Length: 0\r\n\r\n"})
                   .keep_alive);
  EXPECT_FALSE(
      Parse({"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"}).keep_alive);
  const Outcome http10_keep_alive = Parse(
      {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n"
       "ok"});
  EXPECT_EQ(http10_keep_alive.status, Status::kComplete);
  EXPECT_TRUE(http10_keep_alive.keep_alive);
}

TEST(ResponseParserTest, InterimResponsesAreSkipped) {
  constexpr std::string_view kInput =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone";
  const Outcome outcome = Parse({kInput});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_EQ(outcome.code, 201);
  EXPECT_EQ(outcome.body, "done");
  EXPECT_EQ(outcome.consumed, kInput.size());
  ExpectSplitInvariant(kInput);
}

TEST(ResponseParserTest, ResponsesWithoutBody) {
  constexpr std::string_view kNext = "HTTP/1.1 200 OK\r\n";
  for (std::string_view head :
       {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}) {
    const std::string input = std::string(head) + std::string(kNext);
    const Outcome outcome = Parse({input});
    EXPECT_EQ(outcome.status, Status::kComplete) << head;
    EXPECT_EQ(outcome.consumed, head.size()) << head;
    EXPECT_EQ(outcome.body, "");
    EXPECT_TRUE(outcome.keep_alive) << head;
  }
  constexpr std::string_view kHeadResponse =
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  const Outcome head = Parse({kHeadResponse}, false, /*head=*/true);
  EXPECT_EQ(head.status, Status::kComplete);
  EXPECT_EQ(head.content_length, 1000);
  EXPECT_TRUE(head.keep_alive);
  ExpectSplitInvariant(kHeadResponse, false, /*head=*/true);
}

TEST(ResponseParserTest, PipelinedResponsesShareABuffer) {
  const std::string input = std::string(kJsonResponse) +
                            std::string(kChunkedSse) +
                            std::string(kJsonResponse);
  ResponseParser parser;
  std::string_view rest = input;
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    parser.Reset();
    StringSink sink;
    size_t consumed = 0;
    ASSERT_EQ(parser.Feed(rest, &consumed, &sink), Status::kComplete);
    bodies.push_back(sink.body);
    rest.remove_prefix(consumed);
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(bodies[0], bodies[2]);
  EXPECT_EQ(bodies[1], kChunkedSseBody);
}

TEST(ResponseParserTest, BareLineFeedsAreAccepted) {
  const Outcome outcome = Parse({"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_EQ(outcome.body, "ok");
  const Outcome chunked =
      Parse({"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n"});
  EXPECT_EQ(chunked.status, Status::kComplete) << chunked.error;
  EXPECT_EQ(chunked.body, "ok");
}

TEST(ResponseParserTest, StatusLineWithoutReasonPhrase) {
  const Outcome outcome = Parse({"HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n"});
  EXPECT_EQ(outcome.status, Status::kComplete) << outcome.error;
  EXPECT_EQ(outcome.code, 503);
}

TEST(ResponseParserTest, EofBeforeTheEndIsAnError) {
  const Outcome nothing = Parse({""}, /*eof=*/true);
  EXPECT_EQ(nothing.status, Status::kError);
  EXPECT_THAT(nothing.error, HasSubstr("before the response started"));

  const Outcome in_headers = Parse({"HTTP/1.1 200 OK\r\nConte"}, true);
  EXPECT_EQ(in_headers.status, Status::kError);
  EXPECT_THAT(in_headers.error, HasSubstr("headers"));

  const Outcome short_body =
      Parse({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, true);
  EXPECT_EQ(short_body.status, Status::kError);
  EXPECT_THAT(short_body.error, HasSubstr("7 of 10 body bytes missing"));
  EXPECT_EQ(short_body.body, "abc");

  const Outcome short_chunked = Parse({kChunkedSse.substr(0, 120)}, true);
  EXPECT_EQ(short_chunked.status, Status::kError);
  EXPECT_THAT(short_chunked.error, HasSubstr("chunked"));
}

struct MalformedCase {
  std::string_view input;
  std::string_view error;
};

TEST(ResponseParserTest, MalformedInputIsAnErrorAtAnySplit) {
  const std::string huge_header =
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n";
  const MalformedCase cases[] = {
      {"HTTP/2 200 OK\r\n\r\n", "status line"},
      {"ICY 200 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "status code"},
      {"HTTP/1.1 099 Low\r\n\r\n", "status code"},
      {"HTTP/1.1 2000 OK\r\n\r\n", "status code"},
      {"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "obsolete line folding"},
      {"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed"},
      {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "header name"},
      {"HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n", "control character"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       "conflicting Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
       "Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "invalid chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
       "invalid chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
       "invalid chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "FFFFFFFFFFFFFFFFFFFF\r\n",
       "chunk size too large"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n",
       "expected CRLF after chunk data"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\rX\n",
       "expected LF after CR"},
      {huge_header, "exceeds 256 bytes"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(std::string(c.input));
    const Outcome whole = Parse({c.input}, false, false, 256);
    EXPECT_EQ(whole.status, Status::kError);
    EXPECT_THAT(whole.error, HasSubstr(std::string(c.error)));
    for (size_t split = 0; split <= c.input.size(); ++split) {
      const Outcome outcome = Parse(
          {c.input.substr(0, split), c.input.substr(split)}, false, false, 256);
      ASSERT_EQ(outcome.status, Status::kError) << "split at " << split;
      ASSERT_EQ(outcome.error, whole.error) << "split at " << split;
    }
  }
}

TEST(ResponseParserTest, HeaderLimitCoversHeadersArrivingPiecewise) {
  ResponseParser parser(/*max_header_bytes=*/1024);
  size_t consumed = 0;
  ASSERT_EQ(parser.Feed("HTTP/1.1 200 OK\r\n", &consumed, nullptr),
            Status::kIncomplete);
  const std::string line = "X-Filler: " + std::string(50, 'f') + "\r\n";
  Status status = Status::kIncomplete;
  for (int i = 0; i < 100 && status == Status::kIncomplete; ++i) {
    status = parser.Feed(line, &consumed, nullptr);
  }
  EXPECT_EQ(status, Status::kError);
  EXPECT_THAT(std::string(parser.error()), HasSubstr("exceeds 1024 bytes"));
}

TEST(ResponseParserTest, ErrorSticksUntilReset) {
  ResponseParser parser;
  size_t consumed = 0;
  ASSERT_EQ(parser.Feed("garbage\r\n\r\n", &consumed, nullptr), Status::kError);
  EXPECT_EQ(parser.Feed(kJsonResponse, &consumed, nullptr), Status::kError);
  EXPECT_EQ(consumed, 0u);
  EXPECT_FALSE(parser.keep_alive());
  parser.Reset();
  StringSink sink;
  EXPECT_EQ(parser.Feed(kJsonResponse, &consumed, &sink), Status::kComplete);
  EXPECT_EQ(parser.status(), 200);
  EXPECT_TRUE(parser.error().empty());
}

TEST(ResponseParserTest, NullSinkDiscardsTheBody) {
  ResponseParser parser;
  size_t consumed = 0;
  EXPECT_EQ(parser.Feed(kChunkedSse, &consumed, nullptr), Status::kComplete);
  EXPECT_EQ(parser.body_bytes(), static_cast<int64_t>(kChunkedSseBody.size()));
}

}  // namespace
}  // namespace loadgate::http
