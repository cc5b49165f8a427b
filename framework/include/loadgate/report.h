// The result of one run: what was asked for, what was measured, and the
// derived summary figures every reporter and SLO matcher reads.
#ifndef LOADGATE_REPORT_H_
#define LOADGATE_REPORT_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/metrics.h"

namespace loadgate {

// Prices for estimating LLM cost, in USD per million tokens.
struct TokenPrices {
  double input_per_million = 0;
  double output_per_million = 0;
};

// One part of a test spread over several processes or machines (`loadgate
// run --shard K/N`, LOADGATE_SHARD): the scenario, load model and options
// describe the whole test, and shard K runs its share, so the N shards
// together offer exactly the single-process test. Open models: shard K
// starts every N-th arrival of the global schedule from arrival K (rates,
// stages and Poisson arrivals add up exactly); closed models: every N-th
// user from user K, each started at its time of the whole test (so the spawn
// rate splits too); max_in_flight, connections and sequential data rows
// split the same way (rows K, K + N, ...: shards never replay one another's
// rows); random streams are derived per shard from the seed.
struct Shard {
  int index = 0;  // K, from 0 to count - 1
  int count = 1;  // N
};

struct RunInfo {
  std::string name;        // scenario or test name
  std::string load_model;  // human-readable, e.g. "constant 100 req/s"
  // Scheduled requests/s; 0 for closed models and for open models over
  // multi-step flows (their schedule counts iterations: see load_model).
  double target_rps = 0;
  int users = 0;  // closed models: virtual users
  int64_t planned_duration_ns = 0;
  int64_t actual_duration_ns = 0;
  std::string started_at;  // ISO 8601 UTC
  // Empty for a run that ended as planned; otherwise why it stopped early
  // ("interrupted", "max error rate 5.2 % over 10 s > 5 %", ...). The report
  // is complete up to that moment either way.
  std::string stop_reason;
  TokenPrices prices;
  // The share of a sharded test this run was (0/1 when not sharded), and
  // the test's identity: a digest of the scenario, load model and options
  // every shard of one test shares, so reports of different tests are not
  // merged by mistake. Empty when not sharded.
  Shard shard;
  std::string test_id;
};

// RunInfo::stop_reason of a run stopped by RequestStop() (SIGINT/SIGTERM).
inline constexpr std::string_view kStopReasonInterrupted = "interrupted";

// A service-level objective judged against a run, as reports keep it.
struct SloVerdict {
  std::string objective;  // "p95 latency < 3000 ms"
  bool passed = false;
  // What was seen: "3412.5 ms", or "p95 latency 3412.5 ms over 980 requests".
  std::string observed;
  // The whole story: neighbouring percentiles, sample size, error breakdown.
  std::string explanation;
  // The objective as --slo takes it (Objective::Expression), so that it can
  // be judged again, e.g. on the merge of a sharded test; empty for the
  // verdicts on the run itself (stopped early, nothing recorded).
  std::string expression;
};

struct RunReport {
  RunInfo info;
  Metrics metrics;
  // Objectives judged against this run and kept with it: EXPECT_SLO in the
  // GoogleTest fixture adds them to the test's JSON report. Empty when none
  // were.
  std::vector<SloVerdict> slos;

  // The run's figures, from metrics.total over the actual duration (a
  // tag's figures: ForTag in slo.h).
  uint64_t requests() const;
  uint64_t errors() const;
  double error_rate() const;      // errors / requests, 0 when no requests
  double achieved_rps() const;    // requests / actual duration
  double goodput_rps() const;     // met-objective requests / actual duration
  double slo_attainment() const;  // met-objective share of requests
  double input_tokens_per_s() const;  // prompt tokens / actual duration
  double output_tokens_per_s() const;
  double estimated_cost_usd() const;
  // nullptr when absent.
  const TagStats* FindTag(std::string_view name) const;
  const CustomMetric* FindCustom(std::string_view name) const;
};

// Current JSON report schema version; bump on incompatible changes.
inline constexpr int kReportSchemaVersion = 1;

// JSON report (schema in docs/report-schema.md). WriteJson emits summary
// figures and the histograms' buckets, so ReadJson restores a report whose
// percentiles match the original exactly.
void WriteJson(const RunReport& report, std::ostream& out);
// Throws std::runtime_error naming `source` and the offending field.
RunReport ReadJson(std::istream& in, const std::string& source);

// What the histograms of one report may take in memory once read: 1 GiB.
// A Histogram is a fixed array (57 KiB at the default 7 bits, 7.5 KiB for a
// per-second slot, 6.25 MiB at 14 bits) whatever it holds, so a small but
// hostile text (many tags, high precision) could ask for tens of GiB;
// ReadJson refuses such a report before allocating any. A real
// single-machine report stays far below: a 24-hour run (86,400 slots,
// 633 MiB) with 100 tags at the default precision (62 MiB) takes 0.7 GiB;
// a 10-minute shard report, 7.6 MiB. A merge of shard reports keeps to the
// same bound (ShardMerger), so what it writes can be read again.
inline constexpr uint64_t kReportHistogramBudgetBytes = uint64_t{1} << 30;

// CSV with Locust's stats columns (Type, Name, Request Count, Failure Count,
// Median Response Time, ..., 100%; quoted only where a field needs it, as
// Locust's csv module does), one row per tag and an "Aggregated" row.
void WriteCsv(const RunReport& report, std::ostream& out);

// Plain multi-line summary for terminals and logs.
void WriteSummary(const RunReport& report, std::ostream& out);

// One line ("run \"db_api\": 980 requests, 3 errors over 10 s"), so that
// GoogleTest prints a report in a failure message instead of its bytes.
void PrintTo(const RunReport& report, std::ostream* out);

// The summary figures as flat (name, value) pairs named
// "loadgate.requests", "loadgate.error_rate", "loadgate.latency_ms.p95",
// "loadgate.errors.http_5xx", ...: the JUnit test properties written by the
// GoogleTest fixture (testing.h) and by any other JUnit writer. Times in ms;
// stream figures only when the run streamed.
std::vector<std::pair<std::string, std::string>> SummaryProperties(
    const RunReport& report);

// Human-readable error breakdown of `stats`: "3 (0.31 %): http_5xx 3;
// status 503 x3" or "none". Shared by the summary and SLO explanations.
std::string DescribeErrors(const TagStats& stats);

}  // namespace loadgate

#endif  // LOADGATE_REPORT_H_
