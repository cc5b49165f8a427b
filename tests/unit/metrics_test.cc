#include "loadgate/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace loadgate {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

RequestSample Sample(uint16_t tag, int64_t intended_ns, int64_t latency_ns,
                     ErrorKind error = ErrorKind::kNone,
                     uint16_t status = 200) {
  RequestSample sample;
  sample.tag = tag;
  sample.status = status;
  sample.error = error;
  sample.met_objectives = error == ErrorKind::kNone;
  sample.intended_ns = intended_ns;
  sample.latency_ns = latency_ns;
  sample.service_time_ns = latency_ns;
  sample.ttfb_ns = latency_ns / 2;
  sample.bytes_received = 100;
  return sample;
}

TEST(ErrorKindNameTest, NamesEveryKind) {
  EXPECT_EQ(ErrorKindName(ErrorKind::kNone), "none");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConnect), "connect");
  EXPECT_EQ(ErrorKindName(ErrorKind::kTimeout), "timeout");
  EXPECT_EQ(ErrorKindName(ErrorKind::kHttp4xx), "http_4xx");
  EXPECT_EQ(ErrorKindName(ErrorKind::kHttp5xx), "http_5xx");
  EXPECT_EQ(ErrorKindName(ErrorKind::kCheckFailed), "check_failed");
  EXPECT_EQ(ErrorKindName(ErrorKind::kProtocol), "protocol");
  EXPECT_EQ(ErrorKindName(ErrorKind::kNotSent), "not_sent");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConnectionLost), "connection_lost");
  EXPECT_EQ(ErrorKindName(ErrorKind::kResponseTooLarge), "response_too_large");
  for (int kind = 0; kind < kErrorKindCount; ++kind) {
    EXPECT_NE(ErrorKindName(static_cast<ErrorKind>(kind)), "unknown") << kind;
  }
}

TEST(RecorderTest, FailuresWithoutAnAnswerHaveNoLatency) {
  Recorder recorder({"t"}, {});
  const RequestSample answered =
      Sample(0, 0, 5 * kMs, ErrorKind::kHttp5xx, 503);
  const RequestSample refused = Sample(0, 0, kMs / 10, ErrorKind::kConnect, 0);
  RequestSample queued = Sample(0, 0, 9 * kMs, ErrorKind::kNotSent, 0);
  queued.service_time_ns = -1;
  recorder.Record(answered);
  recorder.Record(refused);
  recorder.Record(queued);

  const TagStats& total = recorder.metrics().total;
  EXPECT_EQ(total.requests, 3u);
  EXPECT_EQ(total.errors, 3u);
  // The 5xx answered and the queued arrival waited: both are latencies; the
  // refused connection's 0.1 ms says nothing about the service.
  EXPECT_EQ(total.latency.count(), 2u);
  EXPECT_EQ(total.latency.min(), 5 * kMs);
  // The queued arrival was never sent: no service time, all of it lag.
  EXPECT_EQ(total.service_time.count(), 1u);
  EXPECT_EQ(total.send_lag.max(), 9 * kMs);
  EXPECT_EQ(recorder.metrics().series.front().latency.count(), 2u);
}

TEST(MetricsConstructorsTest, UsePrecisionsOfTheirPurpose) {
  EXPECT_EQ(TagStats().latency.precision_bits(),
            Histogram::kDefaultPrecisionBits);
  EXPECT_EQ(CustomMetric().value.precision_bits(),
            Histogram::kDefaultPrecisionBits);
  EXPECT_EQ(TimeSlot().latency.precision_bits(), 4);
}

TEST(RecorderTest, RecordUpdatesTagTotalAndTimeSlot) {
  Recorder recorder({"GET /a", "POST /b"}, {}, 10);
  recorder.Record(Sample(0, 0, 10 * kMs));
  recorder.Record(Sample(1, 500 * kMs, 700 * kMs, ErrorKind::kHttp5xx, 503));
  recorder.Record(Sample(0, 2 * kSecond, 5 * kMs));
  const Metrics& metrics = recorder.metrics();

  EXPECT_EQ(metrics.total.requests, 3u);
  EXPECT_EQ(metrics.total.errors, 1u);
  EXPECT_EQ(metrics.total.met_objectives, 2u);
  EXPECT_EQ(metrics.total.bytes_received, 300u);
  EXPECT_EQ(metrics.total.errors_by_kind[static_cast<int>(ErrorKind::kHttp5xx)],
            1u);
  EXPECT_THAT(metrics.total.status_counts,
              ElementsAre(Pair(200, 2u), Pair(503, 1u)));
  EXPECT_EQ(metrics.total.latency.count(), 3u);
  EXPECT_EQ(metrics.total.ttfb.count(), 3u);
  EXPECT_TRUE(metrics.total.ttft.empty());

  ASSERT_EQ(metrics.tags.size(), 2u);
  EXPECT_EQ(metrics.tags[0].name, "GET /a");
  EXPECT_EQ(metrics.tags[0].requests, 2u);
  EXPECT_EQ(metrics.tags[0].errors, 0u);
  EXPECT_EQ(metrics.tags[1].requests, 1u);
  EXPECT_EQ(metrics.tags[1].errors, 1u);
  EXPECT_EQ(metrics.tags[1].latency.max(), 700 * kMs);

  // Completion seconds: 0.01 s, 1.2 s, 2.005 s.
  ASSERT_GE(metrics.series.size(), 3u);
  EXPECT_EQ(metrics.series[0].requests, 1u);
  EXPECT_EQ(metrics.series[1].requests, 1u);
  EXPECT_EQ(metrics.series[1].errors, 1u);
  EXPECT_EQ(metrics.series[2].requests, 1u);
  EXPECT_EQ(metrics.series[2].second, 2);
}

TEST(RecorderTest, ReservesTheSeriesForTheExpectedDuration) {
  Recorder recorder({"t"}, {}, 100);
  const TimeSlot* first = recorder.metrics().series.data();
  EXPECT_GE(recorder.metrics().series.size(), 100u);
  for (int64_t second = 0; second < 100; ++second) {
    recorder.Record(Sample(0, second * kSecond, kMs));
  }
  EXPECT_EQ(recorder.metrics().series.data(), first) << "series reallocated";
}

TEST(RecorderTest, SeriesGrowsBeyondTheReservation) {
  Recorder recorder({"t"}, {}, 1);
  recorder.Record(Sample(0, 500 * kSecond, kMs));
  const auto& series = recorder.metrics().series;
  ASSERT_EQ(series.size(), 501u);
  EXPECT_EQ(series[500].second, 500);
  EXPECT_EQ(series[500].requests, 1u);
}

TEST(RecorderTest, SendLagIsLatencyMinusServiceTimeClampedAtZero) {
  Recorder recorder({"t"}, {});
  RequestSample queued = Sample(0, 0, 30 * kMs);
  queued.service_time_ns = 10 * kMs;
  recorder.Record(queued);
  RequestSample clock_skew = Sample(0, 0, 10 * kMs);
  clock_skew.service_time_ns = 12 * kMs;
  recorder.Record(clock_skew);
  const Histogram& lag = recorder.metrics().total.send_lag;
  EXPECT_EQ(lag.max(), 20 * kMs);
  EXPECT_EQ(lag.min(), 0);
}

TEST(RecorderTest, StreamsGiveTpotAndTokensPerSecond) {
  Recorder recorder({"chat"}, {});
  RequestSample stream = Sample(0, 0, 1'200 * kMs);
  stream.service_time_ns = 1'100 * kMs;  // 100 ms waited to be sent
  stream.first_chunk_ns = 80 * kMs;
  stream.ttft_ns = 100 * kMs;
  stream.output_tokens = 11;
  stream.prompt_tokens = 20;
  recorder.Record(stream);
  const TagStats& chat = recorder.metrics().tags[0];
  EXPECT_EQ(chat.ttft.Percentile(50), 100 * kMs);
  EXPECT_EQ(chat.first_chunk.Percentile(50), 80 * kMs);
  // (1100 - 100) ms over 10 tokens after the first.
  EXPECT_EQ(chat.tpot.Percentile(50), 100 * kMs);
  // 11 tokens in 1 s = 11000 milli-tokens/s.
  EXPECT_EQ(chat.tokens_per_s.Percentile(50), 11'000);
  EXPECT_EQ(chat.output_tokens, 11u);
  EXPECT_EQ(chat.prompt_tokens, 20u);
}

TEST(RecorderTest, OneTokenStreamHasNoTpot) {
  Recorder recorder({"chat"}, {});
  RequestSample stream = Sample(0, 0, 300 * kMs);
  stream.ttft_ns = 100 * kMs;
  stream.output_tokens = 1;
  recorder.Record(stream);
  EXPECT_TRUE(recorder.metrics().total.tpot.empty());
  EXPECT_EQ(recorder.metrics().total.tokens_per_s.count(), 1u);
}

TEST(RecorderTest, NonStreamingRequestsLeaveStreamHistogramsEmpty) {
  Recorder recorder({"t"}, {});
  RequestSample plain = Sample(0, 0, 5 * kMs);
  plain.output_tokens = 3;
  recorder.Record(plain);
  const TagStats& total = recorder.metrics().total;
  EXPECT_TRUE(total.ttft.empty());
  EXPECT_TRUE(total.tpot.empty());
  EXPECT_TRUE(total.tokens_per_s.empty());
}

TEST(RecorderTest, ChunkGapRecordsPerChunkAndPerToken) {
  Recorder recorder({"a", "b"}, {});
  recorder.RecordChunkGap(1, 40 * kMs, 4);
  recorder.RecordChunkGap(1, 10 * kMs, 0);
  const TagStats& b = recorder.metrics().tags[1];
  EXPECT_EQ(b.chunk_gap.count(), 2u);
  EXPECT_EQ(b.token_gap.count(), 5u);  // 4 tokens + 1 for the token-less event
  EXPECT_EQ(b.token_gap.Percentile(50), 10 * kMs);
  EXPECT_EQ(recorder.metrics().total.chunk_gap.count(), 2u);
  EXPECT_TRUE(recorder.metrics().tags[0].chunk_gap.empty());
}

TEST(RecorderTest, CustomMetricsCountFailures) {
  Recorder recorder({"t"}, {"full_turn"});
  recorder.RecordCustom(0, 900 * kMs, true);
  recorder.RecordCustom(0, 1'500 * kMs, false);
  const CustomMetric& turn = recorder.metrics().custom[0];
  EXPECT_EQ(turn.name, "full_turn");
  EXPECT_EQ(turn.count, 2u);
  EXPECT_EQ(turn.failures, 1u);
  EXPECT_EQ(turn.value.max(), 1'500 * kMs);
}

TEST(MetricsMergeTest, MatchesTagsAndCustomByNameAndSeriesBySecond) {
  Recorder first({"a", "b"}, {"flow"}, 2);
  Recorder second({"b", "c"}, {"other", "flow"}, 2);
  first.Record(Sample(0, 0, kMs));
  first.Record(Sample(1, 0, kMs));
  first.RecordCustom(0, kMs, true);
  second.Record(Sample(0, kSecond, kMs));
  second.Record(Sample(1, 3 * kSecond, kMs));
  second.RecordCustom(1, kMs, false);

  Metrics merged = first.metrics();
  merged.Merge(second.metrics());
  EXPECT_EQ(merged.total.requests, 4u);
  ASSERT_EQ(merged.tags.size(), 3u);
  EXPECT_EQ(merged.tags[0].name, "a");
  EXPECT_EQ(merged.tags[1].name, "b");
  EXPECT_EQ(merged.tags[1].requests, 2u);
  EXPECT_EQ(merged.tags[2].name, "c");
  ASSERT_EQ(merged.custom.size(), 2u);
  EXPECT_EQ(merged.custom[0].name, "flow");
  EXPECT_EQ(merged.custom[0].count, 2u);
  EXPECT_EQ(merged.custom[0].failures, 1u);
  EXPECT_EQ(merged.custom[1].name, "other");

  uint64_t series_requests = 0;
  for (size_t i = 0; i < merged.series.size(); ++i) {
    EXPECT_EQ(merged.series[i].second, static_cast<int64_t>(i));
    series_requests += merged.series[i].requests;
  }
  EXPECT_EQ(series_requests, 4u);
  EXPECT_EQ(merged.series[0].requests, 2u);
  EXPECT_EQ(merged.series[1].requests, 1u);
  EXPECT_EQ(merged.series[3].requests, 1u);
}

TEST(MetricsMergeTest, SparseSeriesInterleave) {
  Metrics a, b;
  for (int64_t second : {1, 5}) a.series.emplace_back().second = second;
  for (int64_t second : {0, 5, 7}) b.series.emplace_back().second = second;
  a.series[1].requests = 2;
  b.series[1].requests = 3;
  a.Merge(b);
  std::vector<int64_t> seconds;
  for (const TimeSlot& slot : a.series) seconds.push_back(slot.second);
  EXPECT_THAT(seconds, ElementsAre(0, 1, 5, 7));
  EXPECT_EQ(a.series[2].requests, 5u);
}

TEST(TagStatsMergeTest, AddsEverything) {
  TagStats a, b;
  a.requests = 2;
  a.status_counts[200] = 2;
  a.latency.Record(kMs);
  b.requests = 3;
  b.errors = 1;
  b.errors_by_kind[static_cast<int>(ErrorKind::kTimeout)] = 1;
  b.status_counts[200] = 2;
  b.status_counts[0] = 1;
  b.output_tokens = 9;
  b.latency.Record(2 * kMs);
  a.Merge(b);
  EXPECT_EQ(a.requests, 5u);
  EXPECT_EQ(a.errors, 1u);
  EXPECT_EQ(a.errors_by_kind[static_cast<int>(ErrorKind::kTimeout)], 1u);
  EXPECT_THAT(a.status_counts, ElementsAre(Pair(0, 1u), Pair(200, 4u)));
  EXPECT_EQ(a.output_tokens, 9u);
  EXPECT_EQ(a.latency.count(), 2u);
}

}  // namespace
}  // namespace loadgate
