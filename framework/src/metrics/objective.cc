#include "loadgate/objective.h"

#include <cstdio>
#include <string>

#include "loadgate/duration.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

constexpr std::string_view kCustomPrefix = "custom:";

enum class Unit { kMilliseconds, kTokensPerSecond, kFraction, kRps, kUsd };

// A histogram metric of TagStats: how it is named, stored and counted.
struct HistogramMetric {
  std::string_view name;
  std::string_view label;
  Histogram TagStats::*member;
  Unit unit;
  std::string_view sample_noun;  // "requests", "streams", ...
};
constexpr HistogramMetric kHistogramMetrics[] = {
    {"latency", "latency", &TagStats::latency, Unit::kMilliseconds, "requests"},
    {"service_time", "service time", &TagStats::service_time,
     Unit::kMilliseconds, "requests"},
    {"ttfb", "TTFB", &TagStats::ttfb, Unit::kMilliseconds, "responses"},
    {"send_lag", "send lag", &TagStats::send_lag, Unit::kMilliseconds,
     "requests"},
    {"first_chunk", "first chunk", &TagStats::first_chunk, Unit::kMilliseconds,
     "streams"},
    {"ttft", "TTFT", &TagStats::ttft, Unit::kMilliseconds, "streams"},
    {"chunk_gap", "inter-chunk latency", &TagStats::chunk_gap,
     Unit::kMilliseconds, "chunk gaps"},
    {"token_gap", "inter-token latency", &TagStats::token_gap,
     Unit::kMilliseconds, "tokens"},
    {"tpot", "TPOT", &TagStats::tpot, Unit::kMilliseconds, "streams"},
    {"tokens_per_s", "output tokens/s per request", &TagStats::tokens_per_s,
     Unit::kTokensPerSecond, "streams"},
};

// A figure derived from a whole TagStats over the run's duration.
struct FigureMetric {
  std::string_view name;
  std::string_view label;
  double Figures::*member;
  Unit unit;
};
constexpr FigureMetric kFigureMetrics[] = {
    {"error_rate", "error rate", &Figures::error_rate, Unit::kFraction},
    {"achieved_rps", "achieved rate", &Figures::achieved_rps, Unit::kRps},
    {"goodput_rps", "goodput", &Figures::goodput_rps, Unit::kRps},
    {"slo_attainment", "SLO attainment", &Figures::slo_attainment,
     Unit::kFraction},
    {"output_tokens_per_s", "output tokens/s", &Figures::output_tokens_per_s,
     Unit::kTokensPerSecond},
    {"estimated_cost_usd", "estimated cost", &Figures::estimated_cost_usd,
     Unit::kUsd},
};

const HistogramMetric* FindHistogramMetric(std::string_view name) {
  for (const HistogramMetric& metric : kHistogramMetrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

const FigureMetric* FindFigureMetric(std::string_view name) {
  for (const FigureMetric& metric : kFigureMetrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

// A value in `unit`, as read by people: "3000 ms", "1 %", "98.5 req/s".
std::string WithUnit(double value, Unit unit) {
  switch (unit) {
    case Unit::kMilliseconds:
      return FormatNumber(value) + " ms";
    case Unit::kTokensPerSecond:
      return FormatNumber(value, 1) + " tokens/s";
    case Unit::kFraction:
      return FormatNumber(100 * value) + " %";
    case Unit::kRps:
      return FormatNumber(value, 2) + " req/s";
    case Unit::kUsd:
      return std::string("$").append(FormatNumber(value, 4));
  }
  return FormatNumber(value);
}

std::string PercentileLabel(double percentile) {
  return std::string("p").append(FormatNumber(percentile, 3));
}

std::string TagSuffix(std::string_view tag) {
  return tag.empty() ? "" : " [tag " + std::string(tag) + "]";
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

// "(p50 12 ms, p90 30 ms, p99 80 ms, max 120 ms)" in the metric's unit.
std::string Neighbours(const Histogram& histogram, double scale, Unit unit) {
  auto at = [&](double p) {
    return WithUnit(static_cast<double>(histogram.Percentile(p)) / scale, unit);
  };
  return "(p50 " + at(50) + ", p90 " + at(90) + ", p99 " + at(99) + ", max " +
         WithUnit(static_cast<double>(histogram.max()) / scale, unit) + ")";
}

Observation ObserveHistogram(const Histogram& histogram, std::string_view label,
                             Unit unit, std::string_view sample_noun,
                             double percentile, std::string_view tag,
                             std::string errors) {
  Observation observation;
  const std::string what =
      PercentileLabel(percentile) + " " + std::string(label);
  if (!(percentile > 0 && percentile <= 100)) {
    observation.problem = std::string(label) +
                          " needs a percentile in (0, 100], e.g. 95; got " +
                          FormatNumber(percentile);
    return observation;
  }
  if (histogram.empty()) {
    observation.problem = "no samples of " + std::string(label) +
                          TagSuffix(tag) + " in the report (0 " +
                          std::string(sample_noun) + ")";
    return observation;
  }
  const double scale = unit == Unit::kMilliseconds ? 1e6 : 1e3;
  observation.found = true;
  observation.is_time = unit == Unit::kMilliseconds;
  observation.value =
      static_cast<double>(histogram.Percentile(percentile)) / scale;
  observation.samples = histogram.count();
  observation.headline = what + " " + WithUnit(observation.value, unit) +
                         " over " + std::to_string(histogram.count()) + " " +
                         std::string(sample_noun) + TagSuffix(tag);
  observation.context =
      Neighbours(histogram, scale, unit) + "; errors " + std::move(errors);
  return observation;
}

}  // namespace

std::string FormatMetricValue(std::string_view metric, double value) {
  if (const HistogramMetric* histogram = FindHistogramMetric(metric)) {
    return WithUnit(value, histogram->unit);
  }
  if (const FigureMetric* figure = FindFigureMetric(metric)) {
    return WithUnit(value, figure->unit);
  }
  return WithUnit(value, Unit::kMilliseconds);  // custom metrics are times
}

SloVerdict ToVerdict(const ObjectiveResult& result) {
  SloVerdict verdict;
  verdict.objective = result.objective.Describe();
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

bool IsKnownMetric(std::string_view metric) {
  if (metric.starts_with(kCustomPrefix)) {
    return metric.size() > kCustomPrefix.size();
  }
  return FindHistogramMetric(metric) != nullptr ||
         FindFigureMetric(metric) != nullptr;
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

std::string DescribeMetric(std::string_view metric, double percentile) {
  if (metric.starts_with(kCustomPrefix)) {
    return PercentileLabel(percentile) + " " +
           std::string(metric.substr(kCustomPrefix.size()));
  }
  if (const HistogramMetric* histogram = FindHistogramMetric(metric)) {
    return PercentileLabel(percentile) + " " + std::string(histogram->label);
  }
  if (const FigureMetric* figure = FindFigureMetric(metric)) {
    return std::string(figure->label);
  }
  return "unknown metric \"" + std::string(metric) + "\"";
}

std::string Objective::Describe() const {
  Unit unit = Unit::kMilliseconds;
  if (const HistogramMetric* histogram = FindHistogramMetric(metric)) {
    unit = histogram->unit;
  } else if (const FigureMetric* figure = FindFigureMetric(metric)) {
    unit = figure->unit;
  }
  const std::string bound = IsKnownMetric(metric) ? WithUnit(threshold, unit)
                                                  : FormatNumber(threshold);
  return DescribeMetric(metric, percentile) + " " + std::string(OpSymbol(op)) +
         " " + bound + TagSuffix(tag);
}

Observation Observe(const RunReport& report, std::string_view metric,
                    double percentile, std::string_view tag) {
  Observation observation;
  if (metric.starts_with(kCustomPrefix)) {
    const std::string_view name = metric.substr(kCustomPrefix.size());
    if (!tag.empty()) {
      observation.problem = "custom metric \"" + std::string(name) +
                            "\" spans the whole run; it has no tag";
      return observation;
    }
    const CustomMetric* custom = report.FindCustom(name);
    if (custom == nullptr) {
      observation.problem = "no custom metric \"" + std::string(name) +
                            "\" in the report (custom metrics: " +
                            NameList(report.metrics.custom) + ")";
      return observation;
    }
    return ObserveHistogram(custom->value, name, Unit::kMilliseconds, "records",
                            percentile, tag,
                            std::to_string(custom->failures) + " failed of " +
                                std::to_string(custom->count));
  }
  const TagStats* stats = &report.metrics.total;
  if (!tag.empty()) {
    stats = report.FindTag(tag);
    if (stats == nullptr) {
      observation.problem =
          "no tag \"" + std::string(tag) +
          "\" in the report (tags: " + NameList(report.metrics.tags) + ")";
      return observation;
    }
  }
  if (const HistogramMetric* histogram = FindHistogramMetric(metric)) {
    return ObserveHistogram(stats->*histogram->member, histogram->label,
                            histogram->unit, histogram->sample_noun, percentile,
                            tag, DescribeErrors(*stats));
  }
  const FigureMetric* figure = FindFigureMetric(metric);
  if (figure == nullptr) {
    observation.problem = "unknown metric \"" + std::string(metric) + "\"";
    return observation;
  }
  if (stats->requests == 0) {
    // A rate over nothing is no observation: "0 errors of 0 requests" must
    // not pass an error-rate objective.
    observation.problem = "no requests" + TagSuffix(tag) +
                          " in the report, so no " +
                          std::string(figure->label) + " to judge";
    return observation;
  }
  const Figures figures = ComputeFigures(*stats, report.info);
  observation.found = true;
  observation.value = figures.*figure->member;
  observation.samples = stats->requests;
  observation.headline =
      std::string(figure->label) + " " +
      WithUnit(observation.value, figure->unit) + " over " +
      std::to_string(stats->requests) + " requests in " +
      FormatNumber(static_cast<double>(report.info.actual_duration_ns) / 1e9,
                   1) +
      " s" + TagSuffix(tag);
  std::string context = "(";
  if (report.info.target_rps > 0) {
    context += "target " + WithUnit(report.info.target_rps, Unit::kRps) + ", ";
  }
  context += "achieved " + WithUnit(figures.achieved_rps, Unit::kRps) +
             ", SLO attainment " +
             WithUnit(figures.slo_attainment, Unit::kFraction);
  if (!stats->latency.empty()) {
    context +=
        ", p99 latency " +
        FormatMilliseconds(static_cast<double>(stats->latency.Percentile(99)));
  }
  observation.context = context + "); errors " + DescribeErrors(*stats);
  return observation;
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
