// The CI gate: compares the reports of a candidate build with those of a
// baseline and says which metric regressed, plus the per-SLO JUnit writer CI
// dashboards read. Both sides may hold several repeated runs; the gate judges
// each side's merged histograms (exact, so a merged p95 is the p95 of every
// request of every run) and allows for the run-to-run spread measured among
// the baseline runs.
#ifndef LOADGATE_GATE_H_
#define LOADGATE_GATE_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate {

// How much a metric may worsen before the gate fails.
struct Tolerance {
  enum class Kind {
    kRelative,  // `value` is a fraction of the baseline (0.10 = 10 %)
    kAbsolute,  // `value` is in the metric's unit (ms, fraction, req/s, ...)
  };
  Kind kind = Kind::kRelative;
  double value = 0;
  // A relative tolerance never allows less than this, in the metric's unit:
  // on a fast service a 10 % change of a 1 ms p95 is scheduler noise, not a
  // regression. 0 = no floor.
  double floor = 0;

  // "+10 %", "+10 % (at least 1 ms)", "+0.5 pt", "+20 ms", "-5 %" (for
  // metrics where lower is worse).
  std::string Describe(std::string_view metric) const;

  // How much worse than `baseline` a value may be, in the metric's unit.
  double Allowed(double baseline) const;
};

// One metric the gate compares, named as in Objective: `metric` and, for
// histogram metrics, `percentile`.
struct GateMetric {
  std::string metric;
  double percentile = 0;
  Tolerance tolerance;

  // "latency.p95", "error_rate": the key of --tolerance.
  std::string Key() const;
};

// Latency p95 and p99 +10 % (at least 1 ms), error rate +0.5 points,
// achieved rate -5 %, TTFT p95 +10 % (at least 1 ms; compared only when both
// sides streamed).
std::vector<GateMetric> DefaultGateMetrics();

// Applies "KEY=VALUE" (--tolerance): KEY is "<metric>.p<N>" for histogram
// metrics ("latency.p95", "ttft.p99.9") or a run figure ("error_rate");
// VALUE is "15%" (relative), "15%,2ms" (relative, at least 2 ms: the floor
// is written like an absolute value), "0.2pt" (absolute percentage points,
// for fractions), "20ms" (absolute, time metrics) or a bare number
// (absolute, in the metric's unit); a leading '+' or '-' is ignored, the
// direction follows from the metric. A key not yet compared is added. Throws
// std::invalid_argument with a one-line message.
void ApplyToleranceOverride(std::string_view text,
                            std::vector<GateMetric>& metrics);

// The verdict on one metric of the whole run (`tag` empty) or of one tag.
struct GateRow {
  GateMetric metric;
  std::string tag;
  double baseline = 0;  // merged value, in the metric's unit
  double current = 0;
  // How much worse current is than baseline (negative: better), in the
  // metric's unit.
  double worsening = 0;
  double allowed = 0;  // the tolerance in the metric's unit
  // Range (max - min) of the per-run values of the baseline runs: the noise
  // of an unchanged build. Only the baseline measures it, so a slow current
  // run cannot widen the allowance for itself. measured = false with fewer
  // than two baseline runs (the tolerance alone decides).
  bool spread_measured = false;
  double spread = 0;
  bool regressed = false;  // worsening > allowed and (if measured) > spread
  // "p95 latency [tag chat]: 160.2 ms vs baseline 60.1 ms: +100.1 ms
  // (+166.6 %), beyond the tolerance +10 % and the run-to-run spread 2.5 ms".
  std::string message;

  // The row as an objective (current must stay within baseline + allowance)
  // and its result: "p95 latency <= 66.11 ms", computed from this baseline.
  ObjectiveResult AsObjectiveResult() const;

  // Its JUnit testcase name, the same whatever the figures: "latency.p95
  // does not regress", "latency.p95 [tag chat] does not regress".
  std::string CaseName() const;
};

// A current run that ended before its planned duration (RunInfo::stop_reason
// set): a regression whatever its figures say, since a service that tripped
// a safety limit or died mid-run got worse in the way that matters most.
struct StoppedRun {
  std::string run;          // its name in GateRunNames ("cur2.json")
  int number = 0;           // its place among the current runs, from 1
  std::string stop_reason;  // RunInfo::stop_reason
  // "current run cur2.json stopped early: max error rate 5.2 % over 10 s >
  // 5 %".
  std::string message;
};

struct GateResult {
  std::vector<GateRow> rows;
  // Metrics that could not be compared ("p95 TTFT: no samples in current").
  std::vector<std::string> skipped;
  std::vector<StoppedRun> stopped_early;
  int baseline_runs = 0;
  int current_runs = 0;
  // The current runs' actual durations added, in seconds: how long the
  // judged load ran, the `time` of every gate testcase.
  double current_seconds = 0;

  // A row regressed or a current run stopped early.
  bool regressed() const;
  // False when every metric was skipped and no run stopped early: the gate
  // saw nothing it could fail on, which must not pass as "no regression".
  bool judged() const;
};

// Fewer values than this on either side and a metric is not judged: the p99
// of 20 requests is their maximum, and one error in 20 is 5 %.
inline constexpr uint64_t kDefaultMinSamples = 100;

// What messages call each run, parallel to Compare's sides (the files they
// were read from). A side left empty is named "baseline run 1", "current run
// 2", ...
struct GateRunNames {
  std::vector<std::string> baseline;
  std::vector<std::string> current;
};

// Merges each side's runs (tags and custom metrics matched by name, durations
// added, so achieved rates are pooled), then compares every metric for the
// whole run and for each tag both sides have. A metric missing on either
// side (no TTFT in a non-streaming run), or observed on fewer than
// `min_samples` values (requests, streams) on either side, is skipped with
// the reason. A current run that stopped early is listed in
// `stopped_early` (a regression).
//
// Throws std::invalid_argument with a one-line message, naming the runs by
// `names`, when a side is empty, when a baseline run stopped early (a
// baseline must be a complete run), or when a baseline and a current run did
// not measure the same load: different RunInfo::load_model, target_rps or
// planned_duration_ns ("base1.json vs cur1.json: planned duration 10 s vs
// 5 s").
GateResult Compare(const std::vector<RunReport>& baseline,
                   const std::vector<RunReport>& current,
                   const std::vector<GateMetric>& metrics,
                   uint64_t min_samples = kDefaultMinSamples,
                   const GateRunNames& names = {});

// The JUnit <testsuite> name of a comparison: what the current reports are
// called, so that the files of several comparisons merged on a dashboard
// stay apart. The file stem the current reports share (ci/gate.sh compares
// run-1/NAME.json, run-2/NAME.json, ...: "NAME"), else the test or scenario
// name (RunInfo::name) they share, else their stems joined by ", ".
std::string GateSuiteName(const std::vector<std::string>& current_paths,
                          const std::vector<RunReport>& current);

// The verdict as JUnit XML, one <testsuite> named `suite_name`: one
// <testcase> per row (GateRow::CaseName) and one per current run, "current
// run K runs to its planned end", failed when it stopped early. Names never
// carry figures, so CI keeps each case's history across builds; the
// computed limit goes in the failure message ("p95 latency 160.2 ms vs p95
// latency <= 66.11 ms") and, with baseline, current, tolerance and spread,
// in the case's <properties>. Every case's `time` is
// GateResult::current_seconds.
void WriteGateJUnit(const GateResult& result, const std::string& suite_name,
                    std::ostream& out);

// The verdict as Markdown: a heading, one table (metric, baseline, current,
// change, tolerance, spread, verdict), the regressions spelled out (stopped
// runs included) and the metrics not compared; fit for $GITHUB_STEP_SUMMARY
// or a pull-request comment.
void WriteGateMarkdown(const GateResult& result, std::ostream& out);

// The objectives judged against one scenario run (a GoogleTest test, a
// `loadgate run`).
struct SloSuite {
  std::string name;
  std::vector<SloVerdict> verdicts;
  // How long the judged run lasted, in seconds (0 = unknown: no `time`
  // written). Every objective is judged on the whole run, so this is each
  // testcase's `time` and the suite's.
  double seconds = 0;
};

// A JUnit XML document with one <testsuite> per scenario and one <testcase>
// per objective, named after it (classname = the suite) with the suite's
// `time`, failed ones carrying <failure message="OBSERVED vs
// OBJECTIVE">explanation</failure>, passed ones their explanation as
// <system-out>. Text is XML-escaped.
void WriteSloJUnit(const std::vector<SloSuite>& suites, std::ostream& out);

// The same for the objectives of one run that lasted `seconds`.
void WriteSloJUnit(const std::string& suite_name,
                   const std::vector<ObjectiveResult>& results,
                   std::ostream& out, double seconds = 0);

}  // namespace loadgate

#endif  // LOADGATE_GATE_H_
