// SummaryProperties (report.h): the summary figures as flat JUnit test
// properties ("loadgate.latency_ms.p95" = "950.01"), written by the
// GoogleTest fixture and any other JUnit writer.
#include <string>
#include <utility>
#include <vector>

#include "loadgate/format.h"
#include "loadgate/report.h"
#include "metrics/figures.h"
#include "metrics/metric_catalogue.h"
#include "metrics/report_units.h"

namespace loadgate {
namespace {

// Six decimals, trailing zeros dropped: small rates stay visible.
constexpr int kDecimals = 6;

}  // namespace

using report_internal::kNanosPerMilli;
using report_internal::Seconds;

std::vector<std::pair<std::string, std::string>> SummaryProperties(
    const RunReport& report) {
  const TagStats& total = report.metrics.total;
  const Figures figures = ComputeFigures(total, report.info);
  std::vector<std::pair<std::string, std::string>> properties;
  auto add = [&](std::string name, std::string value) {
    properties.emplace_back("loadgate." + std::move(name), std::move(value));
  };
  add("requests", std::to_string(figures.requests));
  add("errors", std::to_string(figures.errors));
  add("error_rate", FormatNumber(figures.error_rate, kDecimals));
  add("achieved_rps", FormatNumber(figures.achieved_rps, kDecimals));
  add("target_rps", FormatNumber(report.info.target_rps, kDecimals));
  add("goodput_rps", FormatNumber(figures.goodput_rps, kDecimals));
  add("slo_attainment", FormatNumber(figures.slo_attainment, kDecimals));
  add("duration_s",
      FormatNumber(Seconds(report.info.actual_duration_ns), kDecimals));
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (total.errors_by_kind[kind] == 0) continue;
    add("errors." + std::string(ErrorKindName(static_cast<ErrorKind>(kind))),
        std::to_string(total.errors_by_kind[kind]));
  }
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.unit != MetricUnit::kMilliseconds) continue;  // times only
    const Histogram& histogram = total.*metric.histogram;
    if (histogram.empty()) continue;
    const std::string prefix = std::string(metric.summary_key) + ".";
    auto ms = [&](double ns) {
      return FormatNumber(ns / kNanosPerMilli, kDecimals);
    };
    for (const auto& [label, p] : {std::pair{"p50", 50.0},
                                   {"p90", 90.0},
                                   {"p95", 95.0},
                                   {"p99", 99.0}}) {
      add(prefix + label, ms(static_cast<double>(histogram.Percentile(p))));
    }
    add(prefix + "max", ms(static_cast<double>(histogram.max())));
    add(prefix + "mean", ms(histogram.mean()));
  }
  if (total.output_tokens > 0 || total.prompt_tokens > 0) {
    add("tokens.output", std::to_string(total.output_tokens));
    add("tokens.prompt", std::to_string(total.prompt_tokens));
    add("input_tokens_per_s",
        FormatNumber(figures.input_tokens_per_s, kDecimals));
    add("output_tokens_per_s",
        FormatNumber(figures.output_tokens_per_s, kDecimals));
    add("estimated_cost_usd",
        FormatNumber(figures.estimated_cost_usd, kDecimals));
  }
  if (!report.info.stop_reason.empty()) {
    add("stop_reason", report.info.stop_reason);
  }
  return properties;
}

}  // namespace loadgate
