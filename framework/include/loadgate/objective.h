// Declarative service-level objectives ("p95 latency < 3000 ms", "error rate
// < 1 %") evaluated against a run report. The CLI, the CI gate, the per-SLO
// JUnit output and the GoogleMock matchers of slo.h share this one model, so
// a failure reads the same wherever it is reported.
#ifndef LOADGATE_OBJECTIVE_H_
#define LOADGATE_OBJECTIVE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/report.h"

namespace loadgate {

struct Objective {
  // Histogram metrics (need `percentile`; times in ms): "latency",
  // "service_time", "ttfb", "send_lag", "first_chunk", "ttft", "chunk_gap"
  // (ITL per chunk), "token_gap" (ITL per token), "tpot", "tokens_per_s"
  // (per-request output tokens/s) and "custom:<name>" (a custom metric).
  // Run figures (no percentile): "error_rate" and "slo_attainment"
  // (fractions), "achieved_rps" and "goodput_rps" (req/s),
  // "output_tokens_per_s" (tokens/s), "estimated_cost_usd" (USD).
  std::string metric;
  double percentile = 0;  // in (0, 100], e.g. 95 or 99.9
  enum class Op { kLt, kLe, kGt, kGe } op = Op::kLt;
  // ms for time metrics, a fraction for rates (0.01 = 1 %), req/s, tokens/s
  // or USD otherwise.
  double threshold = 0;
  std::string tag;  // empty = the whole run

  // "p95 latency < 3000 ms [tag GET /patients]", "error rate < 1 %".
  std::string Describe() const;
};

// "<", "<=", ">", ">=".
std::string_view OpSymbol(Objective::Op op);

struct ObjectiveResult {
  Objective objective;
  bool passed = false;
  double observed = 0;   // in the objective's unit (ms, fraction, req/s, ...)
  uint64_t samples = 0;  // values behind `observed` (requests or records)
  // The whole story: observed vs objective, sample size, p50/p90/p99/max of
  // the metric, and the error breakdown by kind and status.
  std::string explanation;
};

// An unknown metric, a missing tag or custom metric, a missing percentile or
// a metric with no samples gives passed = false with an explanation saying
// so; it never throws.
ObjectiveResult Evaluate(const Objective& objective, const RunReport& report);

// The result as a report keeps it: Describe(), the verdict, the observed
// value in its unit ("3412.5 ms"; "no observation" without samples) and the
// explanation.
SloVerdict ToVerdict(const ObjectiveResult& result);

// What makes a run unfit to pass, as failed verdicts: it stopped before its
// planned end (RunInfo::stop_reason: interrupted, a safety limit), or it
// recorded no request at all. Objectives judged on part of a run pass or
// fail by chance, so every output that judges a run carries these verdicts
// beside its objectives: the CLI's exit code, JUnit, JSON and HTML, and a
// LoadTest's failure and SLO JUnit file. Empty for a complete run.
std::vector<SloVerdict> RunIntegrityVerdicts(const RunReport& report);

bool IsKnownMetric(std::string_view metric);

// The metric as a subject in prose, without a bound: "p95 latency",
// "p99 TTFT", "error rate", "p90 full_turn" (custom:full_turn).
std::string DescribeMetric(std::string_view metric, double percentile);

// What the report says about one metric, without judging it: the building
// block of Evaluate() and of the slo.h matchers, which compare `value` with
// a GoogleMock matcher instead of a threshold.
struct Observation {
  bool found = false;  // false: `problem` says why (unknown tag, no samples)
  std::string problem;
  bool is_time = false;  // `value` is in ms (histogram time metrics)
  double value = 0;      // in the objective's unit
  uint64_t samples = 0;
  // "p95 latency 3412.5 ms over 980 requests", the observed value alone.
  std::string headline;
  // "(p50 ..., p90 ..., p99 ..., max ...); errors 3 (http_5xx 3; status
  // 503 x3)": the context that follows the headline.
  std::string context;
};
// `tag` empty = the whole run. `percentile` is ignored for run figures.
Observation Observe(const RunReport& report, std::string_view metric,
                    double percentile, std::string_view tag);

// A value of `metric` in its unit (times in ms, rates as fractions), as read
// by people: "160.2 ms", "0.52 %", "98.5 req/s", "$0.029".
std::string FormatMetricValue(std::string_view metric, double value);

}  // namespace loadgate

#endif  // LOADGATE_OBJECTIVE_H_
