// The LLM figures beside TTFT and ITL (issue 14): end-to-end latency per
// output token, input tokens/s, and goodput under joint per-request
// objectives. Each is recorded, merges exactly (shards included), reads
// back from JSON (and an older report without it still reads), parses in
// SLO expressions and the scenario file, and shows in the JUnit properties,
// the console summary and the Prometheus exposition.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/metrics.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/shard_merge.h"
#include "metrics/metric_catalogue.h"
#include "prometheus/exposition.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

// A stream sent at its intended time: `ttft_ms` to the first token, then
// `tpot_ms` per token for `tokens` - 1 more.
RequestSample Stream(int64_t ttft_ms, int64_t tpot_ms, int32_t tokens) {
  RequestSample sample;
  sample.status = 200;
  sample.first_chunk_ns = ttft_ms * kMs;
  sample.ttft_ns = ttft_ms * kMs;
  sample.latency_ns = (ttft_ms + tpot_ms * (tokens - 1)) * kMs;
  sample.service_time_ns = sample.latency_ns;
  sample.output_tokens = tokens;
  sample.content_chunks = tokens;
  if (tokens > 1) sample.max_chunk_gap_ns = tpot_ms * kMs;  // even gaps
  return sample;
}

RequestSample PlainAnswer(int64_t latency_ms, int32_t output_tokens) {
  RequestSample sample;
  sample.status = 200;
  sample.latency_ns = latency_ms * kMs;
  sample.service_time_ns = sample.latency_ns;
  sample.output_tokens = output_tokens;
  return sample;
}

TEST(LatencyPerTokenTest, IsLatencyOverOutputTokensForStreamsAndAnswers) {
  Recorder recorder({"chat"}, {});
  recorder.Record(Stream(100, 10, 11));  // 200 ms over 11 tokens
  recorder.Record(PlainAnswer(400, 8));  // JSON answer with usage: 50 ms
  const TagStats& chat = recorder.metrics().tags[0];
  ASSERT_EQ(chat.latency_per_token.count(), 2u);
  EXPECT_NEAR(static_cast<double>(chat.latency_per_token.min()),
              200.0 / 11 * kMs, 1);
  EXPECT_EQ(chat.latency_per_token.max(), 50 * kMs);
  EXPECT_EQ(recorder.metrics().total.latency_per_token.count(), 2u);
}

TEST(LatencyPerTokenTest, MeasuresFromTheIntendedTimeLikeLatency) {
  Recorder recorder({"chat"}, {});
  RequestSample queued = PlainAnswer(300, 3);
  queued.service_time_ns = 100 * kMs;  // waited 200 ms for a slot
  recorder.Record(queued);
  EXPECT_EQ(recorder.metrics().total.latency_per_token.max(), 100 * kMs);
}

TEST(LatencyPerTokenTest, LeavesOutFailuresAndAnswersWithoutTokens) {
  Recorder recorder({"chat"}, {});
  recorder.Record(PlainAnswer(50, 0));
  RequestSample failed = PlainAnswer(50, 5);
  failed.error = ErrorKind::kHttp5xx;
  failed.status = 503;
  recorder.Record(failed);
  EXPECT_TRUE(recorder.metrics().total.latency_per_token.empty());
  EXPECT_EQ(recorder.metrics().total.latency.count(), 2u);
}

TEST(RequestObjectivesTest, NoObjectiveSetMeetsThemAll) {
  EXPECT_TRUE(MeetsRequestObjectives(Stream(900, 90, 10), {}));
}

TEST(RequestObjectivesTest, AStreamIsGoodOnlyWhenItMeetsEveryObjective) {
  const RequestObjectives joint{.ttft_ns = 500 * kMs, .tpot_ns = 50 * kMs};
  EXPECT_TRUE(MeetsRequestObjectives(Stream(400, 40, 10), joint));
  EXPECT_FALSE(MeetsRequestObjectives(Stream(600, 40, 10), joint));  // TTFT
  EXPECT_FALSE(MeetsRequestObjectives(Stream(400, 60, 10), joint));  // TPOT
  EXPECT_FALSE(MeetsRequestObjectives(Stream(600, 60, 10), joint));
  const RequestObjectives with_latency{
      .latency_ns = 700 * kMs, .ttft_ns = 500 * kMs, .tpot_ns = 50 * kMs};
  // 400 + 9 * 40 = 760 ms: fast enough per token, too slow in all.
  EXPECT_FALSE(MeetsRequestObjectives(Stream(400, 40, 10), with_latency));
  EXPECT_TRUE(MeetsRequestObjectives(Stream(400, 30, 10), with_latency));
}

TEST(RequestObjectivesTest, TtftAndTpotJudgeStreamsOnly) {
  const RequestObjectives joint{.ttft_ns = 500 * kMs, .tpot_ns = 50 * kMs};
  EXPECT_TRUE(MeetsRequestObjectives(PlainAnswer(5000, 100), joint));
  // One token: there is no time per token after the first to fail.
  EXPECT_TRUE(MeetsRequestObjectives(Stream(400, 0, 1), joint));
  RequestSample no_content = Stream(100, 10, 5);
  no_content.ttft_ns = -1;
  EXPECT_FALSE(MeetsRequestObjectives(no_content, {.tpot_ns = 50 * kMs}));
  EXPECT_FALSE(MeetsRequestObjectives(no_content, {.ttft_ns = 500 * kMs}));
}

// The same average per token, one stall: TPOT passes it, max ITL does not.
TEST(RequestObjectivesTest, MaxItlCatchesAStallThatTpotAverages) {
  RequestSample stalled = Stream(100, 30, 11);
  stalled.max_chunk_gap_ns = 250 * kMs;  // one gap of 250, nine of ~6 ms
  const RequestObjectives tpot{.tpot_ns = 50 * kMs};
  const RequestObjectives max_itl{.max_itl_ns = 200 * kMs};
  EXPECT_TRUE(MeetsRequestObjectives(stalled, tpot));
  EXPECT_FALSE(MeetsRequestObjectives(stalled, max_itl));
  EXPECT_TRUE(MeetsRequestObjectives(Stream(100, 30, 11), max_itl));
  // Streams only; one content event has no gap; no content fails.
  EXPECT_TRUE(MeetsRequestObjectives(PlainAnswer(5000, 100), max_itl));
  EXPECT_TRUE(MeetsRequestObjectives(Stream(400, 0, 1), max_itl));
  RequestSample no_content = Stream(100, 10, 5);
  no_content.ttft_ns = -1;
  EXPECT_FALSE(MeetsRequestObjectives(no_content, max_itl));
}

TEST(RequestObjectivesTest, TpotIsTheOneTheTpotHistogramRecords) {
  const RequestSample stream = Stream(100, 30, 11);
  EXPECT_EQ(TimePerOutputTokenNs(stream), 30 * kMs);
  Recorder recorder({"chat"}, {});
  recorder.Record(stream);
  EXPECT_EQ(recorder.metrics().total.tpot.Percentile(50), 30 * kMs);
}

TEST(InputTokensPerSecondTest, IsPromptTokensOverTheActualDuration) {
  RunReport report = test_support::SampleReport();  // 3200 prompt, 10 s
  EXPECT_DOUBLE_EQ(report.input_tokens_per_s(), 320);
  report.info.actual_duration_ns = 20 * kSecond;
  EXPECT_DOUBLE_EQ(report.input_tokens_per_s(), 160);
}

// The sample report's "chat" streams: latency 901 + i ms (i = 0..99) over
// 50 output tokens each, so latency per token runs from 18.02 to 20 ms; its
// plain tag reports no tokens.
constexpr double kChatLatencyPerTokenP50Ms = 950.0 / 50;

TEST(LlmFiguresMergeTest, TagStatsMergeEveryCatalogueHistogram) {
  TagStats a, b;
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.kind != MetricKind::kDistribution) continue;
    (a.*metric.histogram).Record(1'000);
    (b.*metric.histogram).RecordMultiple(2'000, 2);
  }
  a.prompt_tokens = 5;
  b.prompt_tokens = 7;
  a.met_objectives = 1;
  b.met_objectives = 2;
  a.Merge(b);
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.kind != MetricKind::kDistribution) continue;
    EXPECT_EQ((a.*metric.histogram).count(), 3u) << metric.name;
  }
  EXPECT_EQ(a.prompt_tokens, 12u);
  EXPECT_EQ(a.met_objectives, 3u);
}

TEST(LlmFiguresMergeTest, ShardsMergeLatencyPerTokenAndPromptTokensExactly) {
  RunReport fast = test_support::SampleReport();
  RunReport slow = test_support::SampleReport();
  // One slow shard: its requests took 80 ms per token.
  slow.metrics.total.latency_per_token = Histogram();
  slow.metrics.total.latency_per_token.RecordMultiple(80 * kMs, 100);
  fast.info.shard = {0, 2};
  slow.info.shard = {1, 2};
  fast.info.test_id = slow.info.test_id = "t";
  const RunReport merged =
      MergeShardReports({fast, slow}, {"fast", "slow"}).report;
  Histogram expected = fast.metrics.total.latency_per_token;
  expected.Merge(slow.metrics.total.latency_per_token);
  const Histogram& merged_lpt = merged.metrics.total.latency_per_token;
  EXPECT_EQ(merged_lpt.count(), 200u);
  EXPECT_EQ(merged_lpt.max(), 80 * kMs);
  for (double p : {50.0, 75.0, 99.0}) {
    EXPECT_EQ(merged_lpt.Percentile(p), expected.Percentile(p)) << p;
  }
  EXPECT_EQ(merged.metrics.total.prompt_tokens,
            2 * fast.metrics.total.prompt_tokens);
  EXPECT_EQ(merged.metrics.total.met_objectives,
            2 * fast.metrics.total.met_objectives);
}

TEST(LlmFiguresJsonTest, LatencyPerTokenAndInputRateRoundTrip) {
  const RunReport report = test_support::SampleReport();
  std::stringstream json;
  WriteJson(report, json);
  EXPECT_THAT(json.str(), HasSubstr("\"latency_per_token_ms\""));
  EXPECT_THAT(json.str(), HasSubstr("\"input_tokens_per_s\""));
  const RunReport back = ReadJson(json, "report.json");
  EXPECT_EQ(back.metrics.total.latency_per_token.count(), 100u);
  EXPECT_EQ(back.metrics.tags[1].latency_per_token.Percentile(50),
            report.metrics.tags[1].latency_per_token.Percentile(50));
  EXPECT_DOUBLE_EQ(back.input_tokens_per_s(), report.input_tokens_per_s());
}

TEST(LlmFiguresJsonTest, AnOlderReportWithoutTheHistogramStillReads) {
  std::stringstream written;
  WriteJson(test_support::SampleReport(), written);
  // What a loadgate from before latency_per_token wrote.
  nlohmann::json old = nlohmann::json::parse(written.str());
  old["summary"]["histograms"].erase("latency_per_token");
  old["summary"].erase("latency_per_token_ms");
  old["summary"].erase("input_tokens_per_s");
  for (nlohmann::json& tag : old["tags"]) {
    tag["histograms"].erase("latency_per_token");
    tag.erase("latency_per_token_ms");
    tag.erase("input_tokens_per_s");
  }
  std::stringstream in(old.dump());
  const RunReport back = ReadJson(in, "old.json");
  EXPECT_TRUE(back.metrics.total.latency_per_token.empty());
  EXPECT_EQ(back.metrics.total.ttft.count(), 100u);
}

TEST(LlmFiguresSloTest, ObjectivesParseAndJudgeTheNewFigures) {
  const RunReport report = test_support::SampleReport();
  const Objective per_token = ParseObjective("p99(latency_per_token) < 21ms");
  EXPECT_EQ(per_token.metric, "latency_per_token");
  EXPECT_DOUBLE_EQ(per_token.percentile, 99);
  EXPECT_DOUBLE_EQ(per_token.threshold, 21);
  EXPECT_TRUE(Evaluate(per_token, report).passed);
  const ObjectiveResult median = Evaluate(
      ParseObjective("median(latency_per_token{chat}) < 18ms"), report);
  EXPECT_FALSE(median.passed);
  EXPECT_NEAR(median.observed, kChatLatencyPerTokenP50Ms, 0.1);
  EXPECT_EQ(median.samples, 100u);
  const Objective input = ParseObjective("input_tokens_per_s >= 300");
  EXPECT_EQ(input.metric, "input_tokens_per_s");
  const ObjectiveResult result = Evaluate(input, report);
  EXPECT_TRUE(result.passed);
  EXPECT_DOUBLE_EQ(result.observed, 320);
  EXPECT_THROW(ParseObjective("input_tokens_per_s >= 3ms"),
               std::invalid_argument);
}

TEST(LlmFiguresScenarioTest, RequestObjectivesTakeTpotAndMaxItl) {
  const ScenarioFile file = ParseScenario(
      R"({"name": "joint", "base_url": "http://127.0.0.1:1",
          "requests": [{"url": "/v1/chat"}],
          "load": {"users": 1},
          "request_objectives": {"ttft": "500ms", "tpot": "50ms",
                                 "max_itl": "250ms", "latency": "5s"}})",
      ConfigFormat::kJson, "joint.json");
  using std::chrono::milliseconds;
  EXPECT_EQ(file.scenario.request_ttft_objective, milliseconds(500));
  EXPECT_EQ(file.scenario.request_tpot_objective, milliseconds(50));
  EXPECT_EQ(file.scenario.request_max_itl_objective, milliseconds(250));
  EXPECT_EQ(file.scenario.request_latency_objective, milliseconds(5000));
}

TEST(LlmFiguresOutputTest, JUnitPropertiesCarryTheNewFigures) {
  const auto properties = SummaryProperties(test_support::SampleReport());
  EXPECT_THAT(properties, Contains(Pair("loadgate.input_tokens_per_s", "320")));
  EXPECT_THAT(properties,
              Contains(Pair("loadgate.latency_per_token_ms.max", "20")));
  EXPECT_THAT(properties, Contains(Pair("loadgate.latency_per_token_ms.p99",
                                        ::testing::_)));
}

TEST(LlmFiguresOutputTest, ConsoleSummaryShowsThemBesideTheOthers) {
  std::ostringstream out;
  WriteSummary(test_support::SampleReport(), out);
  EXPECT_THAT(out.str(), HasSubstr("\n  e2e/token    p50 "));
  EXPECT_THAT(out.str(), HasSubstr("prompt 3200 (320.0 tokens/s)"));
}

TEST(LlmFiguresOutputTest, PrometheusHasTheirFamilies) {
  prometheus::Exposition exposition;
  exposition.BeginRun("sample", ClosedModel{});
  exposition.EndRun(prometheus::FiguresOf(test_support::SampleReport()));
  const std::string text = exposition.Render(prometheus::Format::kText);
  EXPECT_THAT(text, HasSubstr("loadgate_input_tokens_total{scenario=\"sample\","
                              "tag=\"chat\"} 3200\n"));
  EXPECT_THAT(text,
              HasSubstr("loadgate_good_requests_total{scenario=\"sample\","
                        "tag=\"chat\"} 90\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_latency_per_output_token_seconds_count{"
                              "scenario=\"sample\",tag=\"chat\"} 100\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_time_per_output_token_seconds_count{"
                              "scenario=\"sample\",tag=\"chat\"} 100\n"));
  // A plain tag has no per-token samples, so no series.
  EXPECT_THAT(text, ::testing::Not(HasSubstr(
                        "loadgate_latency_per_output_token_seconds_count{"
                        "scenario=\"sample\",tag=\"GET")));
}

}  // namespace
}  // namespace loadgate
