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
  // A metric of the table in docs/scenario-format.md ("SLOs"): a
  // distribution such as "latency", "ttft" or "custom:<name>" (needs
  // `percentile`), or a run figure such as "error_rate" (no percentile).
  std::string metric;
  double percentile = 0;  // in (0, 100], e.g. 95 or 99.9
  enum class Op { kLt, kLe, kGt, kGe } op = Op::kLt;
  // ms for time metrics, a fraction for rates (0.01 = 1 %), req/s, tokens/s
  // or USD otherwise.
  double threshold = 0;
  std::string tag;  // empty = the whole run

  // "p95 latency < 3000 ms [tag GET /patients]", "error rate < 1 %".
  std::string Describe() const;
  // The objective in the syntax ParseObjective() (config.h) reads back:
  // "p95(latency{\"GET /patients\"}) < 3000000000ns", "error_rate < 0.01".
  // Reports keep it (SloVerdict::expression) so a merge of shard reports
  // can judge the objectives the shards were given.
  std::string Expression() const;
};

// "<", "<=", ">", ">=".
std::string_view OpSymbol(Objective::Op op);

struct ObjectiveResult {
  Objective objective;
  bool passed = false;
  double observed = 0;   // in the objective's unit (ms, fraction, req/s, ...)
  uint64_t samples = 0;  // values behind `observed` (requests or records)
  // The observation alone: "p95 latency 3412.5 ms over 980 requests";
  // empty when the objective was not evaluated.
  std::string headline;
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

}  // namespace loadgate

#endif  // LOADGATE_OBJECTIVE_H_
