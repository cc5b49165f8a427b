// Merging shard reports: counts add up, histograms merge exactly (the
// merged percentiles are those of all requests, not an average), series line
// up by wall-clock second, missing shards are listed, and reports that do not
// belong together are refused, naming the files.
#include "loadgate/shard_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/metric_catalogue.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr int64_t kMs = 1'000'000;

RunReport ShardReport(int index, int count, std::string test_id = "t1") {
  RunReport report = test_support::SampleReport();
  report.info.shard = {index, count};
  report.info.test_id = std::move(test_id);
  report.info.target_rps = 100.0 / count;
  report.slos = {{"p95 latency < 1 ms", false, "", ""}};
  return report;
}

std::vector<std::string> Names(size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) names.push_back("s" + std::to_string(i));
  return names;
}

TEST(ShardMergeTest, AddsCountsAndMergesHistogramsExactly) {
  RunReport fast = ShardReport(0, 2);
  RunReport slow = ShardReport(1, 2);
  // The slow shard's requests all took 5 s: the merged p99 must see them.
  slow.metrics.total.latency = Histogram();
  slow.metrics.total.latency.RecordMultiple(5000 * kMs, 1000);

  const ShardMergeResult merged = MergeShardReports({fast, slow}, Names(2));
  EXPECT_TRUE(merged.missing.empty());
  const RunReport& report = merged.report;
  EXPECT_EQ(report.requests(), 2000u);
  EXPECT_EQ(report.errors(), 6u);
  EXPECT_DOUBLE_EQ(report.info.target_rps, 100);
  EXPECT_EQ(report.info.shard.count, 1);
  EXPECT_EQ(report.info.test_id, "t1");
  EXPECT_TRUE(report.slos.empty());
  Histogram expected = fast.metrics.total.latency;
  expected.Merge(slow.metrics.total.latency);
  for (double p : {50.0, 90.0, 99.0}) {
    EXPECT_EQ(report.metrics.total.latency.Percentile(p),
              expected.Percentile(p))
        << p;
  }
  EXPECT_EQ(report.metrics.total.latency.Percentile(99),
            slow.metrics.total.latency.Percentile(99));
  ASSERT_EQ(report.metrics.tags.size(), fast.metrics.tags.size());
  EXPECT_EQ(report.metrics.tags[0].requests, 2 * fast.metrics.tags[0].requests);
}

TEST(ShardMergeTest, SeriesLineUpByWallClockSecond) {
  RunReport early = ShardReport(0, 2);
  RunReport late = ShardReport(1, 2);
  late.info.started_at = "2026-11-23T09:00:03Z";  // 3 s after the other
  const RunReport merged = MergeShardReports({late, early}, Names(2)).report;
  EXPECT_EQ(merged.info.started_at, early.info.started_at);
  EXPECT_EQ(merged.info.actual_duration_ns,
            early.info.actual_duration_ns + 3'000'000'000);
  ASSERT_FALSE(early.metrics.series.empty());
  const int64_t last = early.metrics.series.back().second;
  EXPECT_EQ(merged.metrics.series.back().second, last + 3);
  uint64_t requests = 0;
  for (const TimeSlot& slot : merged.metrics.series) requests += slot.requests;
  uint64_t per_shard = 0;
  for (const TimeSlot& slot : early.metrics.series) per_shard += slot.requests;
  EXPECT_EQ(requests, 2 * per_shard);
}

TEST(ShardMergeTest, ListsMissingShardsAndKeepsStopReasons) {
  RunReport stopped = ShardReport(2, 4);
  stopped.info.stop_reason = "interrupted";
  const ShardMergeResult merged =
      MergeShardReports({ShardReport(0, 4), stopped}, Names(2));
  EXPECT_THAT(merged.missing, ElementsAre(1, 3));
  EXPECT_EQ(merged.report.info.stop_reason, "shard 2/4: interrupted");
}

TEST(ShardMergeTest, StoredObjectivesAreEachTakenOnce) {
  RunReport first = ShardReport(0, 2);
  RunReport second = ShardReport(1, 2);
  first.slos = {{.objective = "a", .expression = "error_rate < 0.01"},
                {.objective = "stopped early"}};
  second.slos = {{.objective = "b", .expression = "p95(latency) < 1000000ns"},
                 {.objective = "a", .expression = "error_rate < 0.01"}};
  const std::vector<StoredObjective> stored = StoredObjectives({first, second});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].expression, "error_rate < 0.01");
  EXPECT_EQ(stored[0].name, "a");
  EXPECT_EQ(stored[1].expression, "p95(latency) < 1000000ns");
  EXPECT_EQ(stored[1].name, "b");
  const ShardMergeResult merged = MergeShardReports({first}, Names(1));
  const std::vector<SloVerdict> missing = MissingShardVerdicts(merged);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_FALSE(missing[0].passed);
  EXPECT_EQ(missing[0].observed, "missing shard 1/2");
  EXPECT_TRUE(MissingShardVerdicts(MergeShardReports({first, second}, Names(2)))
                  .empty());
}

TEST(ShardMergeTest, RefusesReportsThatDoNotBelongTogether) {
  auto merge = [](std::vector<RunReport> reports, int expect = 0) {
    MergeShardReports(reports, Names(reports.size()), expect);
  };
  EXPECT_THAT([&] { merge({}); },
              ThrowsMessage<ShardMergeError>(HasSubstr("no report")));
  EXPECT_THAT(
      [&] {
        merge({ShardReport(0, 2), test_support::SampleReport()});
      },
      ThrowsMessage<ShardMergeError>(HasSubstr("s1: not a shard's report")));
  EXPECT_THAT(
      [&] {
        merge({ShardReport(0, 2), ShardReport(1, 2, "t2")});
      },
      ThrowsMessage<ShardMergeError>(
          HasSubstr("s0 and s1 are shards of different tests (0/2 of test t1 "
                    "vs 1/2 of test t2)")));
  EXPECT_THAT(
      [&] {
        merge({ShardReport(0, 2), ShardReport(1, 3)});
      },
      ThrowsMessage<ShardMergeError>(HasSubstr("different tests")));
  EXPECT_THAT(
      [&] {
        merge({ShardReport(1, 2), ShardReport(1, 2)});
      },
      ThrowsMessage<ShardMergeError>(
          HasSubstr("s0 and s1 are both shard 1/2")));
  EXPECT_THAT([&] { merge({ShardReport(0, 2)}, 3); },
              ThrowsMessage<ShardMergeError>(
                  HasSubstr("s0: a test of 2 shards, expected 3")));
}

std::string Json(const RunReport& report) {
  std::ostringstream out;
  WriteJson(report, out);
  return out.str();
}

TEST(ShardMergerTest, MergesAsReportsArriveWhateverTheirOrder) {
  // Starts 0, 3 and 1 s apart: an earlier shard arriving later shifts the
  // running total, which must end as merging in start order does.
  std::vector<RunReport> shards = {ShardReport(0, 3), ShardReport(1, 3),
                                   ShardReport(2, 3)};
  shards[1].info.started_at = "2026-11-23T09:00:03Z";
  shards[2].info.started_at = "2026-11-23T09:00:01Z";
  shards[2].slos.push_back({"p99 latency < 2 ms", false, "", "", "p99 < 2ms"});
  shards[2].slos.push_back({"p95 latency < 1 ms", false, "", "", "p95 < 1ms"});
  const ShardMergeResult in_order = MergeShardReports(shards, Names(3));
  for (const std::vector<int>& order :
       std::vector<std::vector<int>>{{1, 2, 0}, {2, 1, 0}, {1, 0, 2}}) {
    ShardMerger merger(3);
    for (int i : order) merger.Add(shards[i], "s" + std::to_string(i));
    EXPECT_EQ(merger.added(), 3);
    EXPECT_EQ(merger.stored_objectives().size(), 2u);
    const ShardMergeResult merged = merger.Finish();
    EXPECT_EQ(merged.report.info.started_at, shards[0].info.started_at);
    EXPECT_EQ(merged.report.info.actual_duration_ns,
              in_order.report.info.actual_duration_ns);
    EXPECT_EQ(Json(merged.report), Json(in_order.report))
        << "order " << order[0] << order[1] << order[2];
  }
}

TEST(ShardMergerTest, ARefusedReportLeavesTheTotalAsItWas) {
  ShardMerger merger;
  merger.Add(ShardReport(0, 2), "s0");
  EXPECT_THAT([&] { merger.Add(ShardReport(0, 2), "again"); },
              ThrowsMessage<ShardMergeError>(
                  HasSubstr("s0 and again are both shard 0/2")));
  EXPECT_THAT([&] { merger.Add(ShardReport(1, 2, "t2"), "other"); },
              ThrowsMessage<ShardMergeError>(
                  HasSubstr("s0 and other are shards of different tests")));
  EXPECT_TRUE(merger.Has(0));
  EXPECT_FALSE(merger.Has(1));
  EXPECT_EQ(merger.test_id(), "t1");
  // Histograms of another precision would not merge (and would leave the
  // total half-merged): refused whole, naming the first that differs.
  RunReport finer = ShardReport(1, 2);
  finer.metrics.tags[0].ttfb = Histogram(9);
  EXPECT_THAT([&] { merger.Add(finer, "finer"); },
              ThrowsMessage<ShardMergeError>(HasSubstr(
                  "s0 and finer hold histograms of different precision (tags[" +
                  finer.metrics.tags[0].name + "].ttfb: 7 and 9 bits)")));
  merger.Add(ShardReport(1, 2), "s1");
  EXPECT_EQ(
      Json(merger.Finish().report),
      Json(MergeShardReports({ShardReport(0, 2), ShardReport(1, 2)}, Names(2))
               .report));
}

// Bytes the histograms of `report` take, counted from the public layout.
uint64_t HistogramBytes(const RunReport& report) {
  uint64_t per_stats = 0;
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.kind == MetricKind::kDistribution) {
      per_stats += Histogram::BucketBytes(Histogram::kDefaultPrecisionBits);
    }
  }
  return (1 + report.metrics.tags.size()) * per_stats +
         report.metrics.custom.size() *
             Histogram::BucketBytes(Histogram::kDefaultPrecisionBits) +
         report.metrics.series.size() * Histogram::BucketBytes(4);
}

// Shards of one scenario share tags and seconds, so their total takes what
// one report does; a report that brings tags or seconds of its own grows it
// and is refused past the budget, leaving the total as it was.
TEST(ShardMergerTest, KeepsTheTotalWithinTheHistogramBudget) {
  const uint64_t one_report = HistogramBytes(ShardReport(0, 2));
  ASSERT_GT(one_report, 0u);
  {
    ShardMerger merger(2, one_report);
    merger.Add(ShardReport(0, 2), "s0");
    merger.Add(ShardReport(1, 2), "s1");
    EXPECT_EQ(merger.added(), 2);
  }
  ShardMerger merger(2, one_report);
  merger.Add(ShardReport(0, 2), "s0");
  RunReport new_tag = ShardReport(1, 2);
  new_tag.metrics.tags.back().name = "GET /elsewhere";
  EXPECT_THAT([&] { merger.Add(new_tag, "tagged"); },
              ThrowsMessage<ShardMergeError>(HasSubstr(
                  "tagged: merged with 1 report(s) before it, the histograms "
                  "would take")));
  RunReport an_hour_later = ShardReport(1, 2);
  an_hour_later.info.started_at = "2026-11-23T10:00:00Z";
  EXPECT_THAT([&] { merger.Add(an_hour_later, "later"); },
              ThrowsMessage<ShardMergeError>(HasSubstr("over the")));
  EXPECT_FALSE(merger.Has(1));
  merger.Add(ShardReport(1, 2), "s1");
  EXPECT_EQ(
      Json(merger.Finish().report),
      Json(MergeShardReports({ShardReport(0, 2), ShardReport(1, 2)}, Names(2))
               .report));
  // The first report alone is held to the budget too.
  EXPECT_THAT(
      [&] { ShardMerger(2, one_report - 1).Add(ShardReport(0, 2), "big"); },
      ThrowsMessage<ShardMergeError>(HasSubstr("big: merged with 0")));
}

}  // namespace
}  // namespace loadgate
