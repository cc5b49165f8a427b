// WriteHtmlReport (html_report.h): the page's markup, its charts (as SVG,
// through svg_chart.h) and their data are written here; its stylesheets
// and script are plain asset files compiled in at build time, the look
// every page shares (assets/page_assets.h) and the report's own script
// (gate/html_report_assets.h), which only adds a pointer readout.
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
#include "gate/svg_chart.h"
#include "loadgate/format.h"
#include "metrics/figures.h"

namespace loadgate {
namespace {

using nlohmann::json;

constexpr double kNsPerMs = 1e6;

bool IsLlmRun(const RunReport& run) { return !run.metrics.total.ttft.empty(); }

std::vector<std::pair<double, uint64_t>> BucketPairsMs(
    const Histogram& histogram) {
  std::vector<std::pair<double, uint64_t>> buckets;
  for (const auto& [value, count] : histogram.NonEmptyBuckets()) {
    buckets.emplace_back(static_cast<double>(value) / kNsPerMs, count);
  }
  return buckets;
}

// The slots a chart draws: recorders reserve the planned duration's
// seconds, and slots after the last completed request are padding, as in
// the JSON report.
size_t DrawnSeconds(const RunReport& run) {
  const std::vector<TimeSlot>& slots = run.metrics.series;
  size_t length = slots.size();
  while (length > 0 && slots[length - 1].requests == 0) --length;
  return length;
}

double SlotPercentileMs(const TimeSlot& slot, double percentile) {
  return static_cast<double>(slot.latency.Percentile(percentile)) / kNsPerMs;
}

// The charts' series as data, for the page's script (it shows a second's
// values under the pointer) and for readers of the page's source; only what
// the charts draw, not the whole JSON report: the per-tag and per-second
// histograms would multiply the page's size for nothing.
json ChartData(const RunReport& run) {
  const std::vector<TimeSlot>& slots = run.metrics.series;
  const size_t length = DrawnSeconds(run);
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
    series.push_back({{"second", slot.second},
                      {"requests", slot.requests},
                      {"errors", slot.errors},
                      {"errors_by_kind", std::move(errors_by_kind)},
                      {"output_tokens", slot.output_tokens},
                      {"p50_ms", SlotPercentileMs(slot, 50)},
                      {"p95_ms", SlotPercentileMs(slot, 95)},
                      {"p99_ms", SlotPercentileMs(slot, 99)}});
  }
  json error_kinds = json::array();
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (kind_seen[kind]) {
      error_kinds.push_back(ErrorKindName(static_cast<ErrorKind>(kind)));
    }
  }
  json data = {
      {"name", run.info.name},
      {"target_rps", run.info.target_rps},
      {"llm", IsLlmRun(run)},
      {"series", std::move(series)},
      {"error_kinds", std::move(error_kinds)},
      {"latency_buckets_ms", BucketPairsMs(run.metrics.total.latency)}};
  if (IsLlmRun(run))
    data["ttft_buckets_ms"] = BucketPairsMs(run.metrics.total.ttft);
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

// "—" rather than "0 ms" for what nothing was recorded in: an endpoint or
// a flow with no requests has no latency at all.
constexpr std::string_view kNothing = "\u2014";

std::string PercentileMs(const Histogram& histogram, double percentile) {
  if (histogram.empty()) return std::string(kNothing);
  return FormatMilliseconds(histogram.Percentile(percentile));
}

void WriteTile(std::string_view label, const std::string& value,
               std::ostream& out) {
  // Spans, so that with no stylesheet a tile still reads as one line.
  out << "<div class=\"tile\"><span class=\"label\">"
      << gate::EscapeMarkup(label) << "</span> <span class=\"value\">"
      << gate::EscapeMarkup(value) << "</span></div>\n";
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
  WriteTile("p50 latency", PercentileMs(total.latency, 50), out);
  WriteTile("p95 latency", PercentileMs(total.latency, 95), out);
  WriteTile("p99 latency", PercentileMs(total.latency, 99), out);
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

// One value per drawn second.
template <typename Value>
std::vector<double> Column(const RunReport& run, Value value) {
  std::vector<double> column;
  for (size_t i = 0; i < DrawnSeconds(run); ++i) {
    column.push_back(static_cast<double>(value(run.metrics.series[i])));
  }
  return column;
}

// The line colour of each error kind in the error chart; a kind without one
// of its own is grey.
std::string_view KindColor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect:
      return "#7c3aed";
    case ErrorKind::kTimeout:
      return "#f59e0b";
    case ErrorKind::kHttp4xx:
      return "#0891b2";
    case ErrorKind::kHttp5xx:
      return "#dc2626";
    case ErrorKind::kCheckFailed:
      return "#db2777";
    case ErrorKind::kProtocol:
      return "#4b5563";
    default:
      return "#9ca3af";
  }
}

std::vector<gate::ChartLine> ErrorLines(const RunReport& run) {
  std::vector<gate::ChartLine> lines = {
      {"all errors", "#111827",
       Column(run, [](const TimeSlot& slot) { return slot.errors; })}};
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    std::vector<double> values = Column(run, [kind](const TimeSlot& slot) {
      return slot.errors_by_kind[kind];
    });
    if (std::all_of(values.begin(), values.end(),
                    [](double value) { return value == 0; })) {
      continue;
    }
    const auto error_kind = static_cast<ErrorKind>(kind);
    lines.push_back({std::string(ErrorKindName(error_kind)),
                     std::string(KindColor(error_kind)), std::move(values)});
  }
  return lines;
}

void WriteFigure(std::string_view id, std::string_view caption,
                 const gate::SvgChart& chart, std::ostream& out) {
  out << "<figure class=\"chart\" data-chart=\"" << id << "\" data-points=\""
      << chart.points << "\"><figcaption>" << caption << "</figcaption>"
      << chart.markup << "</figure>\n";
}

// The charts as SVG, drawn now so that they need no script to show.
void WriteCharts(const RunReport& run, std::ostream& out) {
  constexpr std::string_view kSeconds = "second of the run";
  const auto seconds = static_cast<int64_t>(DrawnSeconds(run));
  auto percentile_ms = [](double percentile) {
    return [percentile](const TimeSlot& slot) {
      return SlotPercentileMs(slot, percentile);
    };
  };
  out << "<div class=\"charts\">\n";
  WriteFigure(
      "latency", "Latency percentiles over time",
      gate::LineChart(seconds,
                      {{"p50", "#2563eb", Column(run, percentile_ms(50))},
                       {"p95", "#f59e0b", Column(run, percentile_ms(95))},
                       {"p99", "#dc2626", Column(run, percentile_ms(99))}},
                      kSeconds, "ms"),
      out);
  // The target first, so that the achieved line is drawn over it.
  std::vector<gate::ChartLine> rate;
  if (run.info.target_rps > 0) {
    rate.push_back({"target req/s", "#9ca3af",
                    std::vector<double>(seconds, run.info.target_rps), true});
  }
  rate.push_back(
      {"achieved req/s", "#2563eb",
       Column(run, [](const TimeSlot& slot) { return slot.requests; })});
  WriteFigure("rate", "Achieved rate against target",
              gate::LineChart(seconds, rate, kSeconds, "req/s"), out);
  WriteFigure("errors", "Errors by category over time",
              gate::LineChart(seconds, ErrorLines(run), kSeconds, "errors/s"),
              out);
  WriteFigure("distribution", "Latency distribution",
              gate::DistributionChart(BucketPairsMs(run.metrics.total.latency),
                                      "latency (ms, log scale)", "#2563eb"),
              out);
  if (IsLlmRun(run)) {
    WriteFigure(
        "tokens", "Output tokens per second",
        gate::LineChart(
            seconds,
            {{"output tokens/s", "#16a34a",
              Column(run,
                     [](const TimeSlot& slot) { return slot.output_tokens; })}},
            kSeconds, "tokens/s"),
        out);
    WriteFigure("ttft", "Time to first token distribution",
                gate::DistributionChart(BucketPairsMs(run.metrics.total.ttft),
                                        "time to first token (ms, log scale)",
                                        "#9333ea"),
                out);
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
    const std::string error_rate =
        figures.requests == 0 ? std::string(kNothing)
                              : FormatFixed(100 * figures.error_rate, 2) + " %";
    const std::string max = tag.latency.empty()
                                ? std::string(kNothing)
                                : FormatMilliseconds(tag.latency.max());
    out << "<tr><td>" << gate::EscapeMarkup(tag.name)
        << "</td><td class=\"num\">" << figures.requests
        << "</td><td class=\"num\">" << figures.errors
        << "</td><td class=\"num\">" << error_rate << "</td><td class=\"num\">"
        << FormatFixed(figures.achieved_rps, 1) << "</td><td class=\"num\">"
        << PercentileMs(tag.latency, 50) << "</td><td class=\"num\">"
        << PercentileMs(tag.latency, 95) << "</td><td class=\"num\">"
        << PercentileMs(tag.latency, 99) << "</td><td class=\"num\">" << max
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
        << "</td><td class=\"num\">" << PercentileMs(metric.value, 50)
        << "</td><td class=\"num\">" << PercentileMs(metric.value, 95)
        << "</td><td class=\"num\">" << PercentileMs(metric.value, 99)
        << "</td></tr>\n";
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
        << "</td><td class=\"num\">" << PercentileMs(histogram, 50)
        << "</td><td class=\"num\">" << PercentileMs(histogram, 95)
        << "</td><td class=\"num\">" << PercentileMs(histogram, 99)
        << "</td></tr>\n";
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
void WriteRun(const RunReport& run, size_t index, std::string_view title,
              const std::vector<ObjectiveResult>& slos, std::ostream& out) {
  out << "<section class=\"run\" id=\"run-" << index << "\">\n<h2>"
      << gate::EscapeMarkup(title) << "</h2>\n";
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
  WriteCharts(run, out);
  WriteEndpoints(run, out);
  WriteCustomMetrics(run, out);
  if (IsLlmRun(run)) WriteLlm(run, out);
  out << "</section>\n";
}

// The title given, else the run's name; names that several runs of the
// page share (the scenario of a suite run at three presets) get the run's
// load model, then its position, until each card's title is its own.
std::vector<std::string> CardTitles(const std::vector<RunReport>& runs,
                                    const std::vector<std::string>& titles) {
  std::vector<std::string> cards;
  for (size_t i = 0; i < runs.size(); ++i) {
    const bool given = i < titles.size() && !titles[i].empty();
    cards.push_back(given                       ? titles[i]
                    : runs[i].info.name.empty() ? "run " + std::to_string(i + 1)
                                                : runs[i].info.name);
  }
  auto shared = [&cards](size_t i) {
    return std::count(cards.begin(), cards.end(), cards[i]) > 1;
  };
  std::vector<bool> ambiguous(cards.size());
  for (size_t i = 0; i < cards.size(); ++i) ambiguous[i] = shared(i);
  for (size_t i = 0; i < cards.size(); ++i) {
    if (ambiguous[i] && !runs[i].info.load_model.empty()) {
      cards[i] += " \u00b7 " + runs[i].info.load_model;
    }
  }
  for (size_t i = 0; i < cards.size(); ++i) ambiguous[i] = shared(i);
  for (size_t i = 0; i < cards.size(); ++i) {
    if (ambiguous[i]) cards[i] += " #" + std::to_string(i + 1);
  }
  return cards;
}

}  // namespace

void WriteHtmlReport(
    const std::vector<RunReport>& runs,
    const std::vector<std::vector<ObjectiveResult>>& slos_by_run,
    const std::vector<std::string>& titles, std::ostream& out) {
  const std::vector<std::string> cards = CardTitles(runs, titles);
  std::string title = "loadgate report";
  if (runs.size() == 1) title += ": " + cards.front();
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
    WriteRun(runs[i], i, cards[i],
             i < slos_by_run.size() ? slos_by_run[i] : kNoSlos, out);
  }
  out << "</main>\n<script type=\"application/json\" id=\"loadgate-data\">"
      << ScriptSafeJson(data) << "</script>\n<script>\n"
      << gate::kReportJs << "</script>\n</body>\n</html>\n";
}

void WriteHtmlReport(
    const std::vector<RunReport>& runs,
    const std::vector<std::vector<ObjectiveResult>>& slos_by_run,
    std::ostream& out) {
  WriteHtmlReport(runs, slos_by_run, {}, out);
}

void WriteHtmlReport(const std::vector<RunReport>& runs,
                     const std::vector<ObjectiveResult>& slos,
                     std::ostream& out) {
  WriteHtmlReport(runs, std::vector<std::vector<ObjectiveResult>>{slos}, out);
}

}  // namespace loadgate
