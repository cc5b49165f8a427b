// Metering a response as a stream: the mode chosen from the headers, what
// chunks count, and the gaps between content chunks spread over the output
// tokens the response reported.
#include <gtest/gtest.h>

#include "engine/stream_meter.h"
#include "loadgate/metrics.h"

namespace loadgate::engine {
namespace {

TEST(StreamModeTest, AutoReadsEventStreamsAndKeepsSmallJsonForItsUsage) {
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kAuto, "text/event-stream", -1),
            StreamMode::kSse);
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kAuto, "application/json", 900),
            StreamMode::kJson);
  EXPECT_EQ(
      ChooseStreamMode(StreamFormat::kAuto, "application/problem+json", -1),
      StreamMode::kJson);
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kAuto, "application/json",
                             kMaxUsageBodyBytes + 1),
            StreamMode::kPlain);
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kAuto, "text/html", 10),
            StreamMode::kPlain);
}

TEST(StreamModeTest, AnExplicitFormatIgnoresTheHeaders) {
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kNone, "text/event-stream", -1),
            StreamMode::kPlain);
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kSse, "text/plain", -1),
            StreamMode::kSse);
  EXPECT_EQ(ChooseStreamMode(StreamFormat::kJsonArray, "application/json", 5),
            StreamMode::kJsonArray);
}

TEST(StreamDataTest, PlainTextIsContentAndDoneIsNot) {
  EXPECT_EQ(InspectStreamData("hello").content_chars, 5u);
  EXPECT_EQ(InspectStreamData("[DONE]").content_chars, 0u);
  EXPECT_EQ(InspectStreamData(R"({"choices":[{"delta":{"content":"abc"}}]})")
                .content_chars,
            3u);
}

http::LlmChunk Content(uint32_t chars) {
  http::LlmChunk chunk;
  chunk.content_chars = chars;
  return chunk;
}

TEST(StreamFiguresTest, CountsFirstChunkFirstContentAndGaps) {
  StreamFigures figures;
  http::LlmChunk role;  // a first event without content
  EXPECT_EQ(figures.Count(role, /*since_send_ns=*/100, /*now_ns=*/1100), -1);
  EXPECT_EQ(figures.Count(Content(2), 300, 1300), -1);  // the first content
  EXPECT_EQ(figures.Count(Content(4), 700, 1700), 400);
  EXPECT_EQ(figures.first_chunk_ns, 100);
  EXPECT_EQ(figures.ttft_ns, 300);
  EXPECT_EQ(figures.content_chunks, 2);
  EXPECT_EQ(figures.content_chars, 6);
  EXPECT_EQ(figures.output_tokens(), 2);  // one per chunk without usage
  EXPECT_EQ(figures.prompt_tokens(), 0);
  figures.TakeUsage({.prompt_tokens = 7, .output_tokens = 9});
  EXPECT_EQ(figures.output_tokens(), 9);
  EXPECT_EQ(figures.prompt_tokens(), 7);
}

// A response's figures once it reported `output_tokens` over `chars`
// characters of content.
StreamFigures Reported(int32_t output_tokens, int64_t chars) {
  StreamFigures figures;
  figures.reported_output = output_tokens;
  figures.content_chars = chars;
  return figures;
}

TEST(ChunkGapsTest, AtTheEndTheReportedTokensAreSpreadByCharacters) {
  Recorder recorder({"chat"}, {});
  const StreamFigures figures = Reported(12, 12);
  ChunkGaps gaps;
  gaps.Add(/*gap_ns=*/1000, /*chars=*/3);  // 3 tokens
  gaps.Add(/*gap_ns=*/2000, /*chars=*/9);  // 9 tokens
  gaps.Flush(recorder, 0, figures, /*at_end=*/true);
  const TagStats& stats = recorder.metrics().tags[0];
  EXPECT_EQ(stats.chunk_gap.count(), 2u);
  EXPECT_EQ(stats.token_gap.count(), 12u);
  // Flushed gaps are gone.
  gaps.Flush(recorder, 0, figures, /*at_end=*/true);
  EXPECT_EQ(stats.chunk_gap.count(), 2u);
}

TEST(ChunkGapsTest, BeforeTheEndEachChunkIsOneToken) {
  Recorder recorder({"chat"}, {});
  const StreamFigures figures = Reported(100, 10);
  ChunkGaps gaps;
  for (int i = 0; i < ChunkGaps::kCapacity; ++i) gaps.Add(1000, 5);
  EXPECT_TRUE(gaps.full());
  gaps.Flush(recorder, 0, figures, /*at_end=*/false);
  EXPECT_FALSE(gaps.full());
  EXPECT_EQ(recorder.metrics().tags[0].token_gap.count(),
            static_cast<uint64_t>(ChunkGaps::kCapacity));
}

}  // namespace
}  // namespace loadgate::engine
