// WriteJson (report.h): the JSON report of docs/report-schema.md, summary
// figures for readers and every histogram's buckets, so that ReadJson
// (report_json_reader.cc) restores percentiles exactly.
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/report.h"
#include "metrics/figures.h"
#include "metrics/metric_catalogue.h"
#include "metrics/report_units.h"

namespace loadgate {
namespace {

using nlohmann::json;
using report_internal::kNanosPerMilli;

json PercentilesJson(const Histogram& histogram, double scale) {
  auto at = [&](double p) {
    return static_cast<double>(histogram.Percentile(p)) / scale;
  };
  return json{{"count", histogram.count()},
              {"min", static_cast<double>(histogram.min()) / scale},
              {"p50", at(50)},
              {"p90", at(90)},
              {"p95", at(95)},
              {"p99", at(99)},
              {"p99_9", at(99.9)},
              {"max", static_cast<double>(histogram.max()) / scale},
              {"mean", histogram.mean() / scale}};
}

json HistogramJson(const Histogram& histogram) {
  json buckets = json::array();
  for (const auto& [value, count] : histogram.NonEmptyBuckets()) {
    buckets.push_back(json::array({value, count}));
  }
  return json{{"precision_bits", histogram.precision_bits()},
              {"count", histogram.count()},
              {"min", histogram.min()},
              {"max", histogram.max()},
              {"sum", histogram.sum()},
              {"buckets", std::move(buckets)}};
}

json ErrorsByKindJson(const std::array<uint64_t, kErrorKindCount>& counts) {
  json out = json::object();
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    out[std::string(ErrorKindName(static_cast<ErrorKind>(kind)))] =
        counts[kind];
  }
  return out;
}

json StatusCountsJson(const std::map<int, uint64_t>& counts) {
  json out = json::object();
  for (const auto& [status, count] : counts) {
    out[std::to_string(status)] = count;
  }
  return out;
}

json StatsJson(const TagStats& stats, const RunInfo& info) {
  const Figures figures = ComputeFigures(stats, info);
  json out{{"requests", figures.requests},
           {"errors", figures.errors},
           {"met_objectives", stats.met_objectives},
           {"bytes_received", stats.bytes_received},
           {"tokens",
            {{"prompt", stats.prompt_tokens}, {"output", stats.output_tokens}}},
           {"errors_by_kind", ErrorsByKindJson(stats.errors_by_kind)},
           {"status_counts", StatusCountsJson(stats.status_counts)}};
  // Every metric of the catalogue: figures as numbers, distributions as
  // summary percentiles in the metric's unit (when they have samples) and
  // as raw histograms (always).
  json histograms = json::object();
  for (const MetricDefinition& metric : MetricCatalogue()) {
    const std::string key(metric.summary_key);
    if (metric.kind == MetricKind::kFigure) {
      out[key] = figures.*metric.figure;
      continue;
    }
    const Histogram& histogram = stats.*metric.histogram;
    if (!histogram.empty()) {
      out[key] = PercentilesJson(histogram, metric.histogram_scale);
    }
    histograms[std::string(metric.name)] = HistogramJson(histogram);
  }
  out["histograms"] = std::move(histograms);
  return out;
}

// Series rows stop at the last second in which anything happened: recorders
// reserve slots beyond the planned end, and those stay empty.
size_t SeriesLength(const std::vector<TimeSlot>& series) {
  size_t length = series.size();
  while (length > 0 && series[length - 1].requests == 0) --length;
  return length;
}

json SeriesJson(const std::vector<TimeSlot>& series) {
  json out = json::array();
  const size_t length = SeriesLength(series);
  for (size_t i = 0; i < length; ++i) {
    const TimeSlot& slot = series[i];
    auto at = [&](double p) {
      return static_cast<double>(slot.latency.Percentile(p)) / kNanosPerMilli;
    };
    out.push_back(json{
        {"second", slot.second},
        {"requests", slot.requests},
        {"errors", slot.errors},
        {"errors_by_kind", ErrorsByKindJson(slot.errors_by_kind)},
        {"output_tokens", slot.output_tokens},
        {"latency_ms", {{"p50", at(50)}, {"p95", at(95)}, {"p99", at(99)}}},
        {"histogram", HistogramJson(slot.latency)}});
  }
  return out;
}

}  // namespace

void WriteJson(const RunReport& report, std::ostream& out) {
  const RunInfo& info = report.info;
  json custom = json::array();
  for (const CustomMetric& metric : report.metrics.custom) {
    json entry{{"name", metric.name},
               {"count", metric.count},
               {"failures", metric.failures},
               {"histogram", HistogramJson(metric.value)}};
    if (!metric.value.empty()) {
      entry["value_ms"] = PercentilesJson(metric.value, kNanosPerMilli);
    }
    custom.push_back(std::move(entry));
  }
  json tags = json::array();
  for (const TagStats& tag : report.metrics.tags) {
    json block = StatsJson(tag, info);
    block["name"] = tag.name;
    tags.push_back(std::move(block));
  }
  json slos = json::array();
  for (const SloVerdict& slo : report.slos) {
    json row{{"objective", slo.objective},
             {"passed", slo.passed},
             {"observed", slo.observed},
             {"explanation", slo.explanation}};
    if (!slo.expression.empty()) row["expression"] = slo.expression;
    slos.push_back(std::move(row));
  }
  json info_json{{"name", info.name},
                 {"load_model", info.load_model},
                 {"target_rps", info.target_rps},
                 {"users", info.users},
                 {"planned_duration_ns", info.planned_duration_ns},
                 {"actual_duration_ns", info.actual_duration_ns},
                 {"started_at", info.started_at},
                 {"stop_reason", info.stop_reason},
                 {"prices",
                  {{"input_per_million", info.prices.input_per_million},
                   {"output_per_million", info.prices.output_per_million}}}};
  if (info.shard.count > 1) {
    info_json["shard"] = {{"index", info.shard.index},
                          {"count", info.shard.count}};
    info_json["test_id"] = info.test_id;
  }
  const json document{
      {"schema_version", kReportSchemaVersion},
      {"info", std::move(info_json)},
      {"summary", StatsJson(report.metrics.total, info)},
      {"errors_by_kind", ErrorsByKindJson(report.metrics.total.errors_by_kind)},
      {"status_counts", StatusCountsJson(report.metrics.total.status_counts)},
      {"tags", std::move(tags)},
      {"custom", std::move(custom)},
      {"series", SeriesJson(report.metrics.series)},
      {"slos", std::move(slos)}};
  // Names, tags and verdicts set through the C++ API may hold any bytes:
  // invalid UTF-8 is written as U+FFFD rather than failing the run's end.
  out << document.dump(1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace loadgate
