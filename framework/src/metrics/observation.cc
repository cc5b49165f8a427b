#include "metrics/observation.h"

#include <string>
#include <vector>

#include "loadgate/format.h"
#include "metrics/figures.h"
#include "metrics/metric_catalogue.h"

namespace loadgate {
namespace {

// A value in `unit`, as read by people: "3000 ms", "1 %", "98.5 req/s".
std::string WithUnit(double value, MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kMilliseconds:
      return FormatNumber(value) + " ms";
    case MetricUnit::kTokensPerSecond:
      return FormatNumber(value, 1) + " tokens/s";
    case MetricUnit::kFraction:
      return FormatPercent(value, 3);
    case MetricUnit::kRequestsPerSecond:
      return FormatNumber(value, 2) + " req/s";
    case MetricUnit::kUsd: {
      std::string text = "$";
      return text.append(FormatNumber(value, 4));
    }
  }
  return FormatNumber(value);
}

std::string PercentileLabel(double percentile) {
  return std::string("p").append(FormatNumber(percentile, 3));
}

template <class Named>
std::string NameList(const std::vector<Named>& items) {
  std::string names;
  for (const Named& item : items) {
    names += names.empty() ? "" : ", ";
    names += "\"" + item.name + "\"";
  }
  return names.empty() ? "none" : names;
}

// The distribution metrics' shape, shared by catalogue and custom metrics.
struct DistributionShape {
  std::string_view label;
  MetricUnit unit;
  std::string_view sample_noun;
  double scale;  // histogram units per metric unit
};

// "(p50 12 ms, p90 30 ms, p99 80 ms, max 120 ms)" in the metric's unit.
std::string Neighbours(const Histogram& histogram,
                       const DistributionShape& shape) {
  auto in_unit = [&](double raw) {
    return WithUnit(raw / shape.scale, shape.unit);
  };
  auto at = [&](double p) {
    return in_unit(static_cast<double>(histogram.Percentile(p)));
  };
  return "(p50 " + at(50) + ", p90 " + at(90) + ", p99 " + at(99) + ", max " +
         in_unit(static_cast<double>(histogram.max())) + ")";
}

Observation ObserveHistogram(const Histogram& histogram,
                             const DistributionShape& shape, double percentile,
                             std::string_view tag, std::string errors) {
  Observation observation;
  const std::string label(shape.label);
  if (!(percentile > 0 && percentile <= 100)) {
    observation.problem = label +
                          " needs a percentile in (0, 100], e.g. 95; got " +
                          FormatNumber(percentile);
    return observation;
  }
  if (histogram.empty()) {
    observation.problem = "no samples of " + label + TagSuffix(tag) +
                          " in the report (0 " +
                          std::string(shape.sample_noun) + ")";
    return observation;
  }
  observation.found = true;
  observation.is_time = shape.unit == MetricUnit::kMilliseconds;
  observation.value =
      static_cast<double>(histogram.Percentile(percentile)) / shape.scale;
  observation.samples = histogram.count();
  observation.headline = PercentileLabel(percentile) + " " + label + " " +
                         WithUnit(observation.value, shape.unit) + " over " +
                         std::to_string(histogram.count()) + " " +
                         std::string(shape.sample_noun) + TagSuffix(tag);
  observation.context =
      Neighbours(histogram, shape) + "; errors " + std::move(errors);
  return observation;
}

Observation ObserveCustom(const RunReport& report, std::string_view name,
                          double percentile, std::string_view tag) {
  Observation observation;
  if (!tag.empty()) {
    observation.problem = "custom metric \"" + std::string(name) +
                          "\" spans the whole run; it has no tag";
    return observation;
  }
  const CustomMetric* custom = report.FindCustom(name);
  if (custom == nullptr) {
    observation.problem =
        "no custom metric \"" + std::string(name) +
        "\" in the report (custom metrics: " + NameList(report.metrics.custom) +
        ")";
    return observation;
  }
  return ObserveHistogram(custom->value,
                          {name, MetricUnit::kMilliseconds, "records", 1e6},
                          percentile, tag,
                          std::to_string(custom->failures) + " failed of " +
                              std::to_string(custom->count));
}

Observation ObserveFigure(const RunReport& report, const TagStats& stats,
                          const MetricDefinition& metric,
                          std::string_view tag) {
  Observation observation;
  const std::string label(metric.label);
  if (stats.requests == 0) {
    // A rate over nothing is no observation: "0 errors of 0 requests" must
    // not pass an error-rate objective.
    observation.problem = "no requests" + TagSuffix(tag) +
                          " in the report, so no " + label + " to judge";
    return observation;
  }
  const Figures figures = ComputeFigures(stats, report.info);
  observation.found = true;
  observation.value = figures.*metric.figure;
  observation.samples = stats.requests;
  observation.headline =
      label + " " + WithUnit(observation.value, metric.unit) + " over " +
      std::to_string(stats.requests) + " requests in " +
      FormatNumber(static_cast<double>(report.info.actual_duration_ns) / 1e9,
                   1) +
      " s" + TagSuffix(tag);
  std::string context = "(";
  if (report.info.target_rps > 0) {
    context +=
        "target " +
        WithUnit(report.info.target_rps, MetricUnit::kRequestsPerSecond) + ", ";
  }
  context += "achieved " +
             WithUnit(figures.achieved_rps, MetricUnit::kRequestsPerSecond) +
             ", SLO attainment " +
             WithUnit(figures.slo_attainment, MetricUnit::kFraction);
  if (!stats.latency.empty()) {
    context +=
        ", p99 latency " +
        FormatMilliseconds(static_cast<double>(stats.latency.Percentile(99)));
  }
  observation.context = context + "); errors " + DescribeErrors(stats);
  return observation;
}

}  // namespace

std::string TagSuffix(std::string_view tag) {
  return tag.empty() ? "" : " [tag " + std::string(tag) + "]";
}

std::string MissingTagProblem(const RunReport& report, std::string_view tag) {
  return "no tag \"" + std::string(tag) +
         "\" in the report (tags: " + NameList(report.metrics.tags) + ")";
}

std::string FormatMetricValue(std::string_view metric, double value) {
  const MetricDefinition* known = FindMetric(metric);
  // Custom metrics are times.
  return WithUnit(value, known ? known->unit : MetricUnit::kMilliseconds);
}

bool IsKnownMetric(std::string_view metric) {
  if (metric.starts_with(kCustomMetricPrefix)) {
    return metric.size() > kCustomMetricPrefix.size();
  }
  return FindMetric(metric) != nullptr;
}

std::string DescribeMetric(std::string_view metric, double percentile) {
  if (metric.starts_with(kCustomMetricPrefix)) {
    return PercentileLabel(percentile) + " " +
           std::string(metric.substr(kCustomMetricPrefix.size()));
  }
  const MetricDefinition* known = FindMetric(metric);
  if (known == nullptr) return "unknown metric \"" + std::string(metric) + "\"";
  if (known->kind == MetricKind::kFigure) return std::string(known->label);
  return PercentileLabel(percentile) + " " + std::string(known->label);
}

Observation Observe(const RunReport& report, std::string_view metric,
                    double percentile, std::string_view tag) {
  if (metric.starts_with(kCustomMetricPrefix)) {
    return ObserveCustom(report, metric.substr(kCustomMetricPrefix.size()),
                         percentile, tag);
  }
  Observation observation;
  const TagStats* stats = &report.metrics.total;
  if (!tag.empty()) {
    stats = report.FindTag(tag);
    if (stats == nullptr) {
      observation.problem = MissingTagProblem(report, tag);
      return observation;
    }
  }
  const MetricDefinition* known = FindMetric(metric);
  if (known == nullptr) {
    observation.problem = "unknown metric \"" + std::string(metric) + "\"";
    return observation;
  }
  if (known->kind == MetricKind::kFigure) {
    return ObserveFigure(report, *stats, *known, tag);
  }
  return ObserveHistogram(
      stats->*known->histogram,
      {known->label, known->unit, known->sample_noun, known->histogram_scale},
      percentile, tag, DescribeErrors(*stats));
}

}  // namespace loadgate
