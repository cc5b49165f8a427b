// The derived figures of a report: ComputeFigures, the one place they are
// computed, and RunReport's accessors. Each output of a report has its own
// file: report_json_writer.cc and report_json_reader.cc (JSON),
// report_csv.cc (Locust CSV), console_summary.cc (summary, PrintTo) and
// junit_properties.cc (JUnit properties).
#include "loadgate/report.h"

#include <string_view>

#include "metrics/figures.h"
#include "metrics/report_units.h"

namespace loadgate {

using report_internal::PerSecond;
using report_internal::Share;

Figures ComputeFigures(const TagStats& stats, const RunInfo& info) {
  Figures figures;
  figures.requests = stats.requests;
  figures.errors = stats.errors;
  figures.error_rate = Share(stats.errors, stats.requests);
  figures.achieved_rps = PerSecond(stats.requests, info);
  figures.goodput_rps = PerSecond(stats.met_objectives, info);
  figures.slo_attainment = Share(stats.met_objectives, stats.requests);
  figures.input_tokens_per_s = PerSecond(stats.prompt_tokens, info);
  figures.output_tokens_per_s = PerSecond(stats.output_tokens, info);
  figures.estimated_cost_usd = (static_cast<double>(stats.prompt_tokens) *
                                    info.prices.input_per_million +
                                static_cast<double>(stats.output_tokens) *
                                    info.prices.output_per_million) /
                               1e6;
  return figures;
}

uint64_t RunReport::requests() const { return metrics.total.requests; }
uint64_t RunReport::errors() const { return metrics.total.errors; }
double RunReport::error_rate() const {
  return ComputeFigures(metrics.total, info).error_rate;
}
double RunReport::achieved_rps() const {
  return ComputeFigures(metrics.total, info).achieved_rps;
}
double RunReport::goodput_rps() const {
  return ComputeFigures(metrics.total, info).goodput_rps;
}
double RunReport::slo_attainment() const {
  return ComputeFigures(metrics.total, info).slo_attainment;
}
double RunReport::input_tokens_per_s() const {
  return ComputeFigures(metrics.total, info).input_tokens_per_s;
}
double RunReport::output_tokens_per_s() const {
  return ComputeFigures(metrics.total, info).output_tokens_per_s;
}
double RunReport::estimated_cost_usd() const {
  return ComputeFigures(metrics.total, info).estimated_cost_usd;
}

const TagStats* RunReport::FindTag(std::string_view name) const {
  for (const TagStats& tag : metrics.tags) {
    if (tag.name == name) return &tag;
  }
  return nullptr;
}

const CustomMetric* RunReport::FindCustom(std::string_view name) const {
  for (const CustomMetric& custom : metrics.custom) {
    if (custom.name == name) return &custom;
  }
  return nullptr;
}

}  // namespace loadgate
