// Every metric loadgate measures, in one table: its name in SLOs, tolerances
// and the JSON report, how it reads in prose, its unit, whether it is a
// distribution (judged at a percentile) or a run figure, which direction is
// worse, and where it lives in TagStats. SLO parsing, objectives, the report
// writer and reader, the gate's directions, the SLO matchers of slo.h and the
// metric table of docs/scenario-format.md all follow it; tests check that
// each of them covers every row.
#ifndef LOADGATE_METRICS_METRIC_CATALOGUE_H_
#define LOADGATE_METRICS_METRIC_CATALOGUE_H_

#include <span>
#include <string_view>

#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "metrics/figures.h"

namespace loadgate {

enum class MetricKind {
  kDistribution,  // a histogram per tag, judged at a percentile
  kFigure,        // one number per tag over the run's duration
};

enum class MetricUnit {
  kMilliseconds,  // histograms hold nanoseconds
  kTokensPerSecond,
  kFraction,  // 0.01 is 1 %
  kRequestsPerSecond,
  kUsd,
};

struct MetricDefinition {
  std::string_view name;   // "chunk_gap": SLOs, tolerances, JSON histograms
  std::string_view label;  // "inter-chunk latency": prose and descriptions
  MetricKind kind;
  MetricUnit unit;
  bool higher_is_better;  // throughputs and attainment; times are not
  // The key of the tag's summary in the JSON report: "itl_chunk_ms",
  // "error_rate".
  std::string_view summary_key;
  // Distributions: what one sample is ("requests", "chunk gaps"), the
  // histogram, and histogram units per metric unit (1e6 ns per ms).
  std::string_view sample_noun;
  Histogram TagStats::*histogram;
  double histogram_scale;
  // Figures: the member of Figures.
  double Figures::*figure;
  // One line for the documentation's metric table.
  std::string_view description;
};

// All metrics, distributions first, in the order reports list them.
std::span<const MetricDefinition> MetricCatalogue();

// nullptr when `name` is not in the catalogue (custom metrics are not).
const MetricDefinition* FindMetric(std::string_view name);

// Custom metrics recorded by a Flow are named "custom:<name>" in SLOs and
// tolerances; they are time distributions of flows.
inline constexpr std::string_view kCustomMetricPrefix = "custom:";

}  // namespace loadgate

#endif  // LOADGATE_METRICS_METRIC_CATALOGUE_H_
