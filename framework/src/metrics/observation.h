// What a report says about one metric, without judging it: the building
// block of Evaluate() (objective.h), of the slo.h matchers, which compare the
// value with a GoogleMock matcher instead of a threshold, and of the gate's
// comparison. Metrics are named as in the catalogue (metric_catalogue.h) or
// "custom:<name>".
#ifndef LOADGATE_METRICS_OBSERVATION_H_
#define LOADGATE_METRICS_OBSERVATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "loadgate/report.h"

namespace loadgate {

struct Observation {
  bool found = false;  // false: `problem` says why (unknown tag, no samples)
  std::string problem;
  bool is_time = false;  // `value` is in ms (histogram time metrics)
  double value = 0;      // in the metric's unit
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

// A catalogue metric or "custom:<name>" with a non-empty name.
bool IsKnownMetric(std::string_view metric);

// The metric as a subject in prose, without a bound: "p95 latency",
// "p99 TTFT", "error rate", "p90 full_turn" (custom:full_turn).
std::string DescribeMetric(std::string_view metric, double percentile);

// A value of `metric` in its unit (times in ms, rates as fractions), as read
// by people: "160.2 ms", "0.52 %", "98.5 req/s", "$0.029".
std::string FormatMetricValue(std::string_view metric, double value);

// " [tag GET /patients]", or nothing for the whole run (`tag` empty).
std::string TagSuffix(std::string_view tag);

// Why `tag` cannot be observed: "no tag "x" in the report (tags: "a", "b")".
std::string MissingTagProblem(const RunReport& report, std::string_view tag);

}  // namespace loadgate

#endif  // LOADGATE_METRICS_OBSERVATION_H_
