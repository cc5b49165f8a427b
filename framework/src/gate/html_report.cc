// WriteHtmlReport (html_report.h): the page's markup and chart data are
// written here; its stylesheets and scripts are plain asset files compiled
// in at build time, the look and chart script every page shares
// (assets/page_assets.h) and the report's own script
// (gate/html_report_assets.h).
#include "loadgate/html_report.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "assets/page_assets.h"
#include "gate/html_report_assets.h"
#include "gate/markup.h"
#include "loadgate/format.h"
#include "metrics/figures.h"

namespace loadgate {
namespace {

using nlohmann::json;

constexpr double kNsPerMs = 1e6;

bool IsLlmRun(const RunReport& run) { return !run.metrics.total.ttft.empty(); }

json BucketsMs(const Histogram& histogram) {
  json buckets = json::array();
  for (const auto& [value, count] : histogram.NonEmptyBuckets()) {
    buckets.push_back({static_cast<double>(value) / kNsPerMs, count});
  }
  return buckets;
}

// Only what the charts draw, not the whole JSON report: the per-tag and
// per-second histograms would multiply the page's size for nothing.
json ChartData(const RunReport& run) {
  // Recorders reserve the planned duration's seconds; slots after the last
  // completed request are padding, as in the JSON report.
  const std::vector<TimeSlot>& slots = run.metrics.series;
  size_t length = slots.size();
  while (length > 0 && slots[length - 1].requests == 0) --length;
  json series = json::array();
  std::array<bool, kErrorKindCount> kind_seen{};
  for (size_t i = 0; i < length; ++i) {
    const TimeSlot& slot = slots[i];
    json errors_by_kind = json::object();
    for (int kind = 1; kind < kErrorKindCount; ++kind) {
      if (slot.errors_by_kind[kind] == 0) continue;
      kind_seen[kind] = true;
      errors_by_kind[std::string(ErrorKindName(static_cast<ErrorKind>(kind)))] =
          slot.errors_by_kind[kind];
    }
    auto percentile_ms = [&slot](double percentile) {
      return static_cast<double>(slot.latency.Percentile(percentile)) /
             kNsPerMs;
    };
    series.push_back({{"second", slot.second},
                      {"requests", slot.requests},
                      {"errors", slot.errors},
                      {"errors_by_kind", std::move(errors_by_kind)},
                      {"output_tokens", slot.output_tokens},
                      {"p50_ms", percentile_ms(50)},
                      {"p95_ms", percentile_ms(95)},
                      {"p99_ms", percentile_ms(99)}});
  }
  json error_kinds = json::array();
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (kind_seen[kind]) {
      error_kinds.push_back(ErrorKindName(static_cast<ErrorKind>(kind)));
    }
  }
  json data = {{"name", run.info.name},
               {"target_rps", run.info.target_rps},
               {"llm", IsLlmRun(run)},
               {"series", std::move(series)},
               {"error_kinds", std::move(error_kinds)},
               {"latency_buckets_ms", BucketsMs(run.metrics.total.latency)}};
  if (IsLlmRun(run))
    data["ttft_buckets_ms"] = BucketsMs(run.metrics.total.ttft);
  return data;
}

// JSON inside <script> ends at the first "</script", whatever the JSON
// syntax says; "\u003c" keeps every "<" out of the raw text while JSON.parse
// still reads the same string.
std::string ScriptSafeJson(const json& data) {
  const std::string text =
      data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe += c;
    }
  }
  return safe;
}

void WriteTile(std::string_view label, const std::string& value,
               std::ostream& out) {
  out << "<div class=\"tile\"><div class=\"label\">"
      << gate::EscapeMarkup(label) << "</div><div class=\"value\">"
      << gate::EscapeMarkup(value) << "</div></div>\n";
}

void WriteInfo(const RunReport& run, std::ostream& out) {
  const RunInfo& info = run.info;
  out << "<dl class=\"info\">\n";
  auto row = [&out](std::string_view term, const std::string& value) {
    out << "<dt>" << term << "</dt><dd>" << gate::EscapeMarkup(value)
        << "</dd>\n";
  };
  row("Load model", info.load_model);
  if (info.target_rps > 0)
    row("Target", FormatFixed(info.target_rps, 1) + " req/s");
  if (info.users > 0) row("Users", std::to_string(info.users));
  row("Started", info.started_at);
  row("Duration", FormatMilliseconds(info.actual_duration_ns) + " of " +
                      FormatMilliseconds(info.planned_duration_ns) +
                      " planned");
  out << "<dt>Outcome</dt>";
  if (info.stop_reason.empty()) {
    out << "<dd>completed as planned</dd>\n";
  } else {
    out << "<dd class=\"stopped\">stopped early: "
        << gate::EscapeMarkup(info.stop_reason) << "</dd>\n";
  }
  out << "</dl>\n<div class=\"tiles\">\n";
  const TagStats& total = run.metrics.total;
  WriteTile("requests", std::to_string(run.requests()), out);
  WriteTile("errors",
            std::to_string(run.errors()) + " (" +
                FormatFixed(100 * run.error_rate(), 2) + " %)",
            out);
  WriteTile("achieved", FormatFixed(run.achieved_rps(), 1) + " req/s", out);
  WriteTile("goodput", FormatFixed(run.goodput_rps(), 1) + " req/s", out);
  WriteTile("p50 latency", FormatMilliseconds(total.latency.Percentile(50)),
            out);
  WriteTile("p95 latency", FormatMilliseconds(total.latency.Percentile(95)),
            out);
  WriteTile("p99 latency", FormatMilliseconds(total.latency.Percentile(99)),
            out);
  out << "</div>\n";
}

void WriteSlos(const std::vector<SloVerdict>& slos, std::ostream& out) {
  if (slos.empty()) return;
  int failed = 0;
  for (const SloVerdict& slo : slos) failed += slo.passed ? 0 : 1;
  out << "<h3>Service-level objectives: " << slos.size() - failed << " passed, "
      << failed << " failed</h3>\n"
      << "<table class=\"slos\"><thead><tr><th>Objective</th>"
         "<th class=\"num\">Observed</th><th>Result</th><th>Details</th>"
         "</tr></thead><tbody>\n";
  for (const SloVerdict& slo : slos) {
    const char* verdict = slo.passed ? "pass" : "fail";
    out << "<tr class=\"slo " << verdict << "\"><td>"
        << gate::EscapeMarkup(slo.objective) << "</td><td class=\"num\">"
        << gate::EscapeMarkup(slo.observed) << "</td><td><span class=\"badge "
        << verdict << "\">" << (slo.passed ? "PASS" : "FAIL")
        << "</span></td><td class=\"details\">"
        << gate::EscapeMarkup(slo.explanation) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void WriteChartFigures(bool llm, std::ostream& out) {
  struct Chart {
    std::string_view id;
    std::string_view caption;
  };
  static constexpr Chart kCharts[] = {
      {"latency", "Latency percentiles over time"},
      {"rate", "Achieved rate against target"},
      {"errors", "Errors by category over time"},
      {"distribution", "Latency distribution"},
  };
  static constexpr Chart kLlmCharts[] = {
      {"tokens", "Output tokens per second"},
      {"ttft", "Time to first token distribution"},
  };
  out << "<div class=\"charts\">\n";
  auto figure = [&out](const Chart& chart) {
    out << "<figure class=\"chart\" data-chart=\"" << chart.id
        << "\"><figcaption>" << chart.caption << "</figcaption></figure>\n";
  };
  for (const Chart& chart : kCharts) figure(chart);
  if (llm) {
    for (const Chart& chart : kLlmCharts) figure(chart);
  }
  out << "</div>\n";
}

void WriteEndpoints(const RunReport& run, std::ostream& out) {
  if (run.metrics.tags.empty()) return;
  out << "<h3>Endpoints</h3>\n<table class=\"endpoints\"><thead><tr>"
         "<th>Endpoint</th><th class=\"num\">Requests</th>"
         "<th class=\"num\">Errors</th><th class=\"num\">Error rate</th>"
         "<th class=\"num\">req/s</th><th class=\"num\">p50</th>"
         "<th class=\"num\">p95</th><th class=\"num\">p99</th>"
         "<th class=\"num\">max</th></tr></thead><tbody>\n";
  for (const TagStats& tag : run.metrics.tags) {
    const Figures figures = ComputeFigures(tag, run.info);
    out << "<tr><td>" << gate::EscapeMarkup(tag.name)
        << "</td><td class=\"num\">" << figures.requests
        << "</td><td class=\"num\">" << figures.errors
        << "</td><td class=\"num\">" << FormatFixed(100 * figures.error_rate, 2)
        << " %</td><td class=\"num\">" << FormatFixed(figures.achieved_rps, 1)
        << "</td><td class=\"num\">"
        << FormatMilliseconds(tag.latency.Percentile(50))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(tag.latency.Percentile(95))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(tag.latency.Percentile(99))
        << "</td><td class=\"num\">" << FormatMilliseconds(tag.latency.max())
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void WriteCustomMetrics(const RunReport& run, std::ostream& out) {
  if (run.metrics.custom.empty()) return;
  out << "<h3>Flows</h3>\n<table class=\"custom\"><thead><tr><th>Flow</th>"
         "<th class=\"num\">Count</th><th class=\"num\">Failures</th>"
         "<th class=\"num\">p50</th><th class=\"num\">p95</th>"
         "<th class=\"num\">p99</th></tr></thead><tbody>\n";
  for (const CustomMetric& metric : run.metrics.custom) {
    out << "<tr><td>" << gate::EscapeMarkup(metric.name)
        << "</td><td class=\"num\">" << metric.count
        << "</td><td class=\"num\">" << metric.failures
        << "</td><td class=\"num\">"
        << FormatMilliseconds(metric.value.Percentile(50))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(metric.value.Percentile(95))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(metric.value.Percentile(99)) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void WriteLlm(const RunReport& run, std::ostream& out) {
  const TagStats& total = run.metrics.total;
  out << "<section class=\"llm\">\n<h3>LLM streaming</h3>\n"
         "<table class=\"llm-figures\"><thead><tr><th>Metric</th>"
         "<th class=\"num\">samples</th><th class=\"num\">p50</th>"
         "<th class=\"num\">p95</th><th class=\"num\">p99</th></tr></thead>"
         "<tbody>\n";
  auto time_row = [&out](std::string_view name, const Histogram& histogram) {
    if (histogram.empty()) return;
    out << "<tr><td>" << name << "</td><td class=\"num\">" << histogram.count()
        << "</td><td class=\"num\">"
        << FormatMilliseconds(histogram.Percentile(50))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(histogram.Percentile(95))
        << "</td><td class=\"num\">"
        << FormatMilliseconds(histogram.Percentile(99)) << "</td></tr>\n";
  };
  time_row("Time to first token", total.ttft);
  time_row("Inter-chunk latency", total.chunk_gap);
  time_row("Inter-token latency", total.token_gap);
  time_row("Time per output token", total.tpot);
  if (!total.tokens_per_s.empty()) {
    // Recorded in milli-tokens/s to keep integer precision.
    auto tokens_per_s = [&total](double percentile) {
      return FormatFixed(
          static_cast<double>(total.tokens_per_s.Percentile(percentile)) / 1000,
          1);
    };
    out << "<tr><td>Tokens/s per request</td><td class=\"num\">"
        << total.tokens_per_s.count() << "</td><td class=\"num\">"
        << tokens_per_s(50) << "</td><td class=\"num\">" << tokens_per_s(95)
        << "</td><td class=\"num\">" << tokens_per_s(99) << "</td></tr>\n";
  }
  out << "</tbody></table>\n<div class=\"tiles\">\n";
  const TokenPrices& prices = run.info.prices;
  WriteTile("output tokens/s", FormatFixed(run.output_tokens_per_s(), 1), out);
  WriteTile("prompt tokens", std::to_string(total.prompt_tokens), out);
  WriteTile("output tokens", std::to_string(total.output_tokens), out);
  WriteTile("prices per 1M tokens",
            FormatUsd(prices.input_per_million) + " in / " +
                FormatUsd(prices.output_per_million) + " out",
            out);
  WriteTile("estimated cost", FormatUsd(run.estimated_cost_usd()), out);
  if (run.requests() > 0) {
    WriteTile("cost per request",
              FormatUsd(run.estimated_cost_usd() /
                        static_cast<double>(run.requests())),
              out);
  }
  out << "</div>\n</section>\n";
}

// Objectives judged for the page, else the verdicts the report keeps; and
// in any case whatever makes the run unfit to pass (stopped early, nothing
// recorded), so a page never shows an incomplete run as all green.
void WriteRun(const RunReport& run, size_t index,
              const std::vector<ObjectiveResult>& slos, std::ostream& out) {
  out << "<section class=\"run\" id=\"run-" << index << "\">\n<h2>"
      << gate::EscapeMarkup(run.info.name) << "</h2>\n";
  WriteInfo(run, out);
  std::vector<SloVerdict> verdicts;
  if (slos.empty()) {
    verdicts = run.slos;
  } else {
    for (const ObjectiveResult& result : slos) {
      verdicts.push_back(ToVerdict(result));
    }
  }
  for (SloVerdict& integrity : RunIntegrityVerdicts(run)) {
    const bool shown = std::any_of(
        verdicts.begin(), verdicts.end(), [&](const SloVerdict& verdict) {
          return verdict.objective == integrity.objective;
        });
    if (!shown) verdicts.push_back(std::move(integrity));
  }
  WriteSlos(verdicts, out);
  out << "<h3>Charts</h3>\n";
  WriteChartFigures(IsLlmRun(run), out);
  WriteEndpoints(run, out);
  WriteCustomMetrics(run, out);
  if (IsLlmRun(run)) WriteLlm(run, out);
  out << "</section>\n";
}

}  // namespace

void WriteHtmlReport(
    const std::vector<RunReport>& runs,
    const std::vector<std::vector<ObjectiveResult>>& slos_by_run,
    std::ostream& out) {
  std::string title = "loadgate report";
  if (runs.size() == 1) title += ": " + runs.front().info.name;
  json data = {{"runs", json::array()}};
  for (const RunReport& run : runs) data["runs"].push_back(ChartData(run));

  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
         "\">\n<meta name=\"viewport\" content=\"width=device-width, "
         "initial-scale=1\">\n<title>"
      << gate::EscapeMarkup(title) << "</title>\n<style>\n"
      << assets::kPageCss << '\n'
      << assets::kChartsCss
      << "</style>\n</head>\n<body>\n<header class=\"page\"><h1>"
      << gate::EscapeMarkup(title) << "</h1><p>" << runs.size()
      << (runs.size() == 1 ? " run" : " runs") << "</p></header>\n<main>\n";
  static const std::vector<ObjectiveResult> kNoSlos;
  for (size_t i = 0; i < runs.size(); ++i) {
    WriteRun(runs[i], i, i < slos_by_run.size() ? slos_by_run[i] : kNoSlos,
             out);
  }
  out << "</main>\n<script type=\"application/json\" id=\"loadgate-data\">"
      << ScriptSafeJson(data) << "</script>\n<script>\n"
      << assets::kChartsJs << '\n'
      << gate::kReportJs << "</script>\n</body>\n</html>\n";
}

void WriteHtmlReport(const std::vector<RunReport>& runs,
                     const std::vector<ObjectiveResult>& slos,
                     std::ostream& out) {
  WriteHtmlReport(runs, std::vector<std::vector<ObjectiveResult>>{slos}, out);
}

}  // namespace loadgate
