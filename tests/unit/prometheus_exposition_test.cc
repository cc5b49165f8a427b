// loadgate's /metrics exposition: the bucket table, the error bound of
// histogram_quantile over it against loadgate's own percentiles (computed
// here the way Prometheus computes it, over the rendered text), and the
// families, labels and formats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "prometheus/buckets.h"
#include "prometheus/exposition.h"

namespace loadgate::prometheus {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// PromQL's histogram_quantile over classic buckets (promql/quantile.go,
// bucketQuantile): the first bucket whose cumulative count reaches
// q * count, interpolated linearly from the previous bound (0 for the
// first bucket); the last finite bound when the rank falls in +Inf.
double HistogramQuantile(double q,
                         const std::vector<std::pair<double, double>>& le) {
  const double observations = le.back().second;
  double rank = q * observations;
  size_t b = 0;
  while (b + 1 < le.size() && le[b].second < rank) ++b;
  if (b == le.size() - 1) return le[le.size() - 2].first;
  double start = 0;
  double count = le[b].second;
  if (b > 0) {
    start = le[b - 1].first;
    count -= le[b - 1].second;
    rank -= le[b - 1].second;
  }
  return start + (le[b].first - start) * (rank / count);
}

// The (le, cumulative count) pairs of `family`'s series for `tag`, read
// back from the rendered text.
std::vector<std::pair<double, double>> ParseBuckets(const std::string& text,
                                                    const std::string& family,
                                                    const std::string& tag) {
  std::vector<std::pair<double, double>> buckets;
  std::istringstream lines(text);
  const std::string prefix = family + "_bucket{";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix) ||
        line.find("tag=\"" + tag + "\"") == std::string::npos) {
      continue;
    }
    const size_t le = line.find("le=\"") + 4;
    const std::string bound = line.substr(le, line.find('"', le) - le);
    buckets.emplace_back(bound == "+Inf"
                             ? std::numeric_limits<double>::infinity()
                             : std::stod(bound),
                         std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return buckets;
}

RunReport ReportWithLatencies(const std::vector<int64_t>& latencies_ns) {
  RunReport report;
  TagStats tag;
  tag.name = "get";
  for (int64_t ns : latencies_ns) {
    tag.latency.Record(ns);
    tag.service_time.Record(ns);
  }
  tag.requests = latencies_ns.size();
  tag.errors_by_kind[0] = tag.requests;
  report.metrics.total = tag;
  report.metrics.total.name.clear();
  report.metrics.tags.push_back(tag);
  return report;
}

// histogram_quantile over the exported buckets against Histogram's own
// percentile, for each q; the bound of buckets.h, or 100 us absolute below
// the first bound.
void ExpectWithinBound(const std::vector<int64_t>& latencies_ns,
                       const std::string& what) {
  const RunReport report = ReportWithLatencies(latencies_ns);
  Exposition exposition;
  exposition.BeginRun("s", ClosedModel{});
  exposition.EndRun(FiguresOf(report));
  const auto buckets = ParseBuckets(exposition.Render(Format::kText),
                                    "loadgate_latency_seconds", "get");
  ASSERT_EQ(buckets.size(), kBucketCount + 1);
  for (double q : {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    const double ours =
        static_cast<double>(
            report.metrics.tags[0].latency.Percentile(q * 100)) /
        1e9;
    const double theirs = HistogramQuantile(q, buckets);
    if (ours > 60) {
      EXPECT_EQ(theirs, 60) << what << " q=" << q;
    } else if (ours <= 1e-4) {
      EXPECT_LE(std::abs(theirs - ours), 1e-4) << what << " q=" << q;
    } else {
      EXPECT_LE(std::abs(theirs - ours), kMaxRelativeError * ours * (1 + 1e-9))
          << what << " q=" << q << ": histogram_quantile " << theirs
          << " s, loadgate " << ours << " s";
    }
  }
}

TEST(PrometheusBucketsTest, SpanFrom100MicrosecondsTo60SecondsInR20Steps) {
  EXPECT_EQ(kBucketBoundsNs.front(), 100'000);
  EXPECT_EQ(kBucketBoundsNs.back(), 60'000'000'000);
  double widest = 0;
  for (size_t i = 1; i < kBucketCount; ++i) {
    ASSERT_GT(kBucketBoundsNs[i], kBucketBoundsNs[i - 1]);
    widest =
        std::max(widest, static_cast<double>(kBucketBoundsNs[i]) /
                                 static_cast<double>(kBucketBoundsNs[i - 1]) -
                             1);
  }
  EXPECT_NEAR(widest, kMaxRelativeError, 1e-12);
  EXPECT_LT(kMaxRelativeError, 0.143);
  EXPECT_EQ(LeLabel(0), "0.0001");
  EXPECT_EQ(LeLabel(1), "0.000112");
  EXPECT_EQ(LeLabel(BucketIndex(50'000'000)), "0.05");
  EXPECT_EQ(LeLabel(kBucketCount - 1), "60");
  EXPECT_EQ(LeLabel(kBucketCount), "+Inf");
  EXPECT_EQ(BucketIndex(50'000'000), BucketIndex(49'999'999));
  EXPECT_EQ(BucketIndex(50'000'001), BucketIndex(50'000'000) + 1);
  EXPECT_EQ(BucketIndexOfSeconds(0.05), BucketIndex(50'000'000));
  EXPECT_EQ(BucketIndex(61'000'000'000), kBucketCount);
}

// The trap: every TTFT at 50.4 ms, just past a 50 ms bound, read
// back as 97.5 ms from the mock's old buckets.
TEST(PrometheusBucketsTest, AllSamplesJustPastAnEdgeStayWithinTheBound) {
  ExpectWithinBound(std::vector<int64_t>(1000, 50'400'000), "all at 50.4 ms");
  for (size_t i = 0; i < kBucketCount; ++i) {
    const int64_t bound = kBucketBoundsNs[i];
    ExpectWithinBound(std::vector<int64_t>(200, bound + 1),
                      "all just past " + LeLabel(i));
    ExpectWithinBound(std::vector<int64_t>(200, bound), "all at " + LeLabel(i));
  }
}

TEST(PrometheusBucketsTest, SpreadDistributionsStayWithinTheBound) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> lognormal(std::log(0.05), 1.0);
  std::uniform_real_distribution<double> uniform(0.001, 2.0);
  std::vector<int64_t> skewed, flat, bimodal, few;
  for (int i = 0; i < 20'000; ++i) {
    skewed.push_back(static_cast<int64_t>(lognormal(random) * 1e9));
    flat.push_back(static_cast<int64_t>(uniform(random) * 1e9));
    bimodal.push_back(i % 10 == 0 ? 3'150'000'001 : 1'400'000);
  }
  for (int i = 0; i < 7; ++i) few.push_back(1'000'000 * (i + 1) + 1);
  ExpectWithinBound(skewed, "lognormal around 50 ms");
  ExpectWithinBound(flat, "uniform 1 ms - 2 s");
  ExpectWithinBound(bimodal, "bimodal 1.4 ms / 3.15 s");
  ExpectWithinBound(few, "seven samples");
  ExpectWithinBound({20'000, 40'000, 90'000, 95'000}, "below 100 us");
  ExpectWithinBound({1'000'000, 70'000'000'000, 90'000'000'000}, "past 60 s");
}

TEST(PrometheusExpositionTest, LiveCountersFollowProgressThenTheReport) {
  Exposition exposition;
  OpenModel model;
  model.rate = 50;
  exposition.BeginRun("checkout", model);
  Progress progress;
  progress.elapsed = std::chrono::milliseconds(2100);
  progress.requests = 95;
  progress.errors = 2;
  progress.in_flight = 3;
  progress.current_rps = 49;
  progress.p95_ns = 12'500'000;
  exposition.Update(progress);
  std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_run_requests_total{scenario=\"checkout\"} 95\n"));
  EXPECT_THAT(
      text, HasSubstr("loadgate_run_errors_total{scenario=\"checkout\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_in_flight_requests{scenario=\"checkout\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_target_rate_requests_per_second{"
                              "scenario=\"checkout\"} 50\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_achieved_rate_requests_per_second{"
                              "scenario=\"checkout\"} 49\n"));
  EXPECT_THAT(text,
              HasSubstr("loadgate_run_latency_last_second_seconds{"
                        "scenario=\"checkout\",percentile=\"95\"} 0.0125\n"));
  EXPECT_THAT(text, Not(HasSubstr("loadgate_requests_total{")));

  RunReport report = ReportWithLatencies(std::vector<int64_t>(101, 2'000'000));
  report.metrics.total.errors = 3;
  report.metrics.tags[0].errors_by_kind[static_cast<int>(ErrorKind::kHttp5xx)] =
      3;
  exposition.EndRun(FiguresOf(report));
  text = exposition.Render(Format::kText);
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_run_requests_total{scenario=\"checkout\"} 101\n"));
  EXPECT_THAT(
      text, HasSubstr("loadgate_run_errors_total{scenario=\"checkout\"} 3\n"));
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_in_flight_requests{scenario=\"checkout\"} 0\n"));
  EXPECT_THAT(text,
              Not(HasSubstr("loadgate_target_rate_requests_per_second{")));
  EXPECT_THAT(text,
              Not(HasSubstr("loadgate_run_latency_last_second_seconds{")));
  EXPECT_THAT(text, HasSubstr("loadgate_requests_total{scenario=\"checkout\","
                              "tag=\"get\"} 101\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_errors_total{scenario=\"checkout\","
                              "tag=\"get\",kind=\"http_5xx\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_latency_seconds_count{scenario="
                              "\"checkout\",tag=\"get\"} 101\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_latency_seconds_sum{scenario="
                              "\"checkout\",tag=\"get\"} 0.202\n"));
  // Nothing streamed: no TTFT series.
  EXPECT_THAT(text, Not(HasSubstr("loadgate_ttft_seconds_count{")));
}

// Progress::tags: a run's tags show while it goes on, added to the finished
// runs' of the same scenario, and the report's figures replace them.
TEST(PrometheusExpositionTest, TagsFollowProgressThenTheReport) {
  Exposition exposition;
  exposition.BeginRun("a", ClosedModel{});
  exposition.EndRun(FiguresOf(ReportWithLatencies({1'000'000})));
  exposition.BeginRun("a", ClosedModel{});
  std::vector<TagStats> tags =
      ReportWithLatencies({1'000'000, 3'000'000}).metrics.tags;
  tags[0].output_tokens = 1'000'000;
  Progress progress;
  progress.tags = &tags;
  progress.prices.output_per_million = 2;
  exposition.Update(progress);
  std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_requests_total{scenario=\"a\",tag=\"get\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_latency_seconds_count{scenario=\"a\","
                              "tag=\"get\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_estimated_cost_usd_total{scenario="
                              "\"a\",tag=\"get\"} 2\n"));
  // A progress without tags leaves them as they were.
  exposition.Update(Progress{});
  EXPECT_THAT(
      exposition.Render(Format::kText),
      HasSubstr("loadgate_requests_total{scenario=\"a\",tag=\"get\"} 3\n"));

  exposition.EndRun(FiguresOf(ReportWithLatencies({1'000'000, 3'000'000, 5})));
  text = exposition.Render(Format::kText);
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_requests_total{scenario=\"a\",tag=\"get\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_estimated_cost_usd_total{scenario="
                              "\"a\",tag=\"get\"} 0\n"));
}

// A run that fails keeps its tags as last shown.
TEST(PrometheusExpositionTest, AbortedRunKeepsItsTagsSoFar) {
  Exposition exposition;
  exposition.BeginRun("a", ClosedModel{});
  std::vector<TagStats> tags = ReportWithLatencies({1'000'000}).metrics.tags;
  Progress progress;
  progress.tags = &tags;
  exposition.Update(progress);
  exposition.AbortRun();
  exposition.BeginRun("a", ClosedModel{});
  exposition.Update(progress);
  EXPECT_THAT(
      exposition.Render(Format::kText),
      HasSubstr("loadgate_requests_total{scenario=\"a\",tag=\"get\"} 2\n"));
}

// Buckets of `latencies_ns` with any cumulative count below `earlier`'s.
bool GoesDown(const std::vector<int64_t>& earlier,
              const std::vector<int64_t>& latencies_ns) {
  Buckets before, after;
  before.Add(ReportWithLatencies(earlier).metrics.tags[0].latency);
  after.Add(ReportWithLatencies(latencies_ns).metrics.tags[0].latency);
  uint64_t cumulative_before = 0, cumulative_after = 0;
  for (size_t i = 0; i < before.counts.size(); ++i) {
    cumulative_before += before.counts[i];
    cumulative_after += after.counts[i];
    if (cumulative_after < cumulative_before) return true;
  }
  return false;
}

// A new maximum moves samples that sat clamped at the old maximum to their
// histogram bucket's middle, which can lie in the next bucket up: raw
// buckets would go down there; the series shown keep their counts.
TEST(PrometheusExpositionTest, LiveBucketsNeverGoDown) {
  int64_t value = 0;
  for (int64_t ns = 1'000'000; ns < 2'000'000 && value == 0; ns += 1'000) {
    if (GoesDown({ns, ns, ns}, {ns, ns, ns, 2 * ns, 2 * ns})) value = ns;
  }
  ASSERT_NE(value, 0) << "no bucket edge inside a histogram bucket";
  Exposition exposition;
  exposition.BeginRun("a", ClosedModel{});
  RunReport first = ReportWithLatencies({value, value, value});
  Progress progress;
  progress.tags = &first.metrics.tags;
  exposition.Update(progress);
  const auto before = ParseBuckets(exposition.Render(Format::kText),
                                   "loadgate_latency_seconds", "get");
  RunReport second =
      ReportWithLatencies({value, value, value, 2 * value, 2 * value});
  progress.tags = &second.metrics.tags;
  exposition.Update(progress);
  const auto after = ParseBuckets(exposition.Render(Format::kText),
                                  "loadgate_latency_seconds", "get");
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_GE(after[i].second, before[i].second) << "le=" << after[i].first;
  }
  EXPECT_EQ(after.back().second, 5);
}

TEST(PrometheusExpositionTest, CountersAddUpOverRunsAndScenarios) {
  Exposition exposition;
  const RunReport report = ReportWithLatencies({1'000'000, 2'000'000});
  for (const char* scenario : {"a", "b", "a"}) {
    exposition.BeginRun(scenario, ClosedModel{});
    Progress progress;
    progress.requests = 1;
    exposition.Update(progress);
    exposition.EndRun(FiguresOf(report));
  }
  // A run that failed keeps what its progress counted.
  exposition.BeginRun("b", ClosedModel{});
  Progress progress;
  progress.requests = 5;
  exposition.Update(progress);
  exposition.AbortRun();
  const std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(text,
              HasSubstr("loadgate_run_requests_total{scenario=\"a\"} 4\n"));
  EXPECT_THAT(text,
              HasSubstr("loadgate_run_requests_total{scenario=\"b\"} 7\n"));
  EXPECT_THAT(
      text,
      HasSubstr("loadgate_requests_total{scenario=\"a\",tag=\"get\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_latency_seconds_count{scenario=\"a\","
                              "tag=\"get\"} 4\n"));
}

TEST(PrometheusExpositionTest, RendersOneScenarioAndOnlyFamiliesWithSeries) {
  Exposition exposition;
  for (const char* scenario : {"a", "b"}) {
    exposition.BeginRun(scenario, ClosedModel{});
    exposition.EndRun(FiguresOf(ReportWithLatencies({1'000'000})));
  }
  const std::string only_b = exposition.Render(Format::kText, "b");
  EXPECT_THAT(only_b,
              HasSubstr("loadgate_run_requests_total{scenario=\"b\"} 1\n"));
  EXPECT_THAT(only_b, Not(HasSubstr("scenario=\"a\"")));
  // No run streamed and none is going on: those families are left out.
  EXPECT_THAT(only_b, Not(HasSubstr("loadgate_ttft_seconds")));
  EXPECT_THAT(only_b,
              Not(HasSubstr("loadgate_run_latency_last_second_seconds")));
  EXPECT_THAT(exposition.Render(Format::kText), HasSubstr("scenario=\"a\""));
  EXPECT_EQ(exposition.Scenarios(), (std::vector<std::string>{"a", "b"}));
}

// Counts the report drops (abandoned at the end) leave the counter at the
// report's count, not wrapped around.
TEST(PrometheusExpositionTest, ReportBelowTheLastProgressStaysExact) {
  Exposition exposition;
  exposition.BeginRun("a", ClosedModel{});
  Progress progress;
  progress.requests = 10;
  progress.errors = 4;
  exposition.Update(progress);
  RunReport report = ReportWithLatencies(std::vector<int64_t>(8, 1'000'000));
  report.metrics.total.errors = 3;
  exposition.EndRun(FiguresOf(report));
  const std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(text,
              HasSubstr("loadgate_run_requests_total{scenario=\"a\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("loadgate_run_errors_total{scenario=\"a\"} 3\n"));
}

TEST(PrometheusExpositionTest, ShardLabelAndEscapedValues) {
  Exposition exposition(ExpositionOptions{.shard = "2"});
  exposition.BeginRun("say \"hi\"\\\n", ClosedModel{});
  const std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(text, HasSubstr("loadgate_run_requests_total{scenario="
                              "\"say \\\"hi\\\"\\\\\\n\",shard=\"2\"} 0\n"));
}

TEST(PrometheusExpositionTest, OpenMetricsWhenAskedFor) {
  // What Prometheus 2.x sends.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,"
                            "application/openmetrics-text;version=0.0.1;q=0.75,"
                            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("text/plain"), Format::kText);
  EXPECT_EQ(NegotiateFormat(""), Format::kText);
  EXPECT_THAT(std::string(ContentType(Format::kText)),
              HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(std::string(ContentType(Format::kOpenMetrics)),
              HasSubstr("application/openmetrics-text; version=1.0.0"));

  Exposition exposition;
  exposition.BeginRun("a", ClosedModel{});
  exposition.EndRun(FiguresOf(ReportWithLatencies({1'000'000})));
  const std::string open_metrics = exposition.Render(Format::kOpenMetrics);
  EXPECT_THAT(open_metrics, HasSubstr("# TYPE loadgate_requests counter\n"));
  EXPECT_THAT(open_metrics, HasSubstr("loadgate_requests_total{"));
  EXPECT_TRUE(open_metrics.ends_with("\n# EOF\n"));
  const std::string text = exposition.Render(Format::kText);
  EXPECT_THAT(text, HasSubstr("# TYPE loadgate_requests_total counter\n"));
  EXPECT_THAT(text, Not(HasSubstr("# EOF")));
}

}  // namespace
}  // namespace loadgate::prometheus
