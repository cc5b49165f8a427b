#include "loadgate/objective.h"

#include <cmath>
#include <string>

#include "loadgate/format.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"

namespace loadgate {

SloVerdict ToVerdict(const ObjectiveResult& result) {
  SloVerdict verdict;
  verdict.objective = result.objective.Describe();
  verdict.expression = result.objective.Expression();
  verdict.passed = result.passed;
  verdict.observed =
      result.samples == 0 && result.observed == 0
          ? std::string("no observation")
          : FormatMetricValue(result.objective.metric, result.observed);
  verdict.explanation = result.explanation;
  return verdict;
}

std::vector<SloVerdict> RunIntegrityVerdicts(const RunReport& report) {
  std::vector<SloVerdict> verdicts;
  const RunInfo& info = report.info;
  if (!info.stop_reason.empty()) {
    verdicts.push_back(
        {.objective = "the run reaches its planned end",
         .passed = false,
         .observed = "stopped early: " + info.stop_reason,
         .explanation =
             "FAILED the run reaches its planned end: it stopped after " +
             FormatMilliseconds(static_cast<double>(info.actual_duration_ns)) +
             " of " +
             FormatMilliseconds(static_cast<double>(info.planned_duration_ns)) +
             " (" + info.stop_reason +
             "); objectives judged on part of a run pass or fail by chance"});
  }
  if (report.metrics.total.requests == 0) {
    verdicts.push_back(
        {.objective = "the run records requests",
         .passed = false,
         .observed = "0 requests",
         .explanation = "FAILED the run records requests: it recorded none, "
                        "so nothing about the service was measured"});
  }
  return verdicts;
}

std::string_view OpSymbol(Objective::Op op) {
  switch (op) {
    case Objective::Op::kLt:
      return "<";
    case Objective::Op::kLe:
      return "<=";
    case Objective::Op::kGt:
      return ">";
    case Objective::Op::kGe:
      return ">=";
  }
  return "?";
}

std::string Objective::Describe() const {
  const std::string bound = IsKnownMetric(metric)
                                ? FormatMetricValue(metric, threshold)
                                : FormatNumber(threshold);
  return DescribeMetric(metric, percentile) + " " + std::string(OpSymbol(op)) +
         " " + bound + TagSuffix(tag);
}

std::string Objective::Expression() const {
  std::string subject = metric;
  if (!tag.empty()) subject += "{\"" + tag + "\"}";
  if (percentile > 0) {
    subject = "p" + FormatExact(percentile) + "(" + subject + ")";
  }
  // Times in whole nanoseconds (what a duration parses to), anything else
  // with every decimal it needs.
  const MetricDefinition* known = FindMetric(metric);
  const bool time =
      metric.starts_with(kCustomMetricPrefix) ||
      (known != nullptr && known->unit == MetricUnit::kMilliseconds);
  const std::string bound =
      time ? std::to_string(std::llround(threshold * 1e6)) + "ns"
           : FormatExact(threshold);
  return subject + " " + std::string(OpSymbol(op)) + " " + bound;
}

ObjectiveResult Evaluate(const Objective& objective, const RunReport& report) {
  ObjectiveResult result;
  result.objective = objective;
  const std::string described = objective.Describe();
  if (!IsKnownMetric(objective.metric)) {
    result.explanation = "NOT EVALUATED " + described + ": unknown metric \"" +
                         objective.metric + "\"";
    return result;
  }
  const Observation observation =
      Observe(report, objective.metric, objective.percentile, objective.tag);
  if (!observation.found) {
    result.explanation =
        "NOT EVALUATED " + described + ": " + observation.problem;
    return result;
  }
  result.observed = observation.value;
  result.samples = observation.samples;
  result.headline = observation.headline;
  switch (objective.op) {
    case Objective::Op::kLt:
      result.passed = observation.value < objective.threshold;
      break;
    case Objective::Op::kLe:
      result.passed = observation.value <= objective.threshold;
      break;
    case Objective::Op::kGt:
      result.passed = observation.value > objective.threshold;
      break;
    case Objective::Op::kGe:
      result.passed = observation.value >= objective.threshold;
      break;
  }
  result.explanation = std::string(result.passed ? "PASSED " : "FAILED ") +
                       described + ": observed " + observation.headline + " " +
                       observation.context;
  return result;
}

}  // namespace loadgate
