// capacity.html (capacity.h): the knee curve, latency percentiles, TTFT
// (when streams were measured) and error rate against the offered rate,
// drawn as SVG by the HTML report's chart code, and the table of steps.
// Self-contained: the page's stylesheets are inlined and it needs no script.
#include <algorithm>
#include <ostream>

#include "assets/page_assets.h"
#include "gate/markup.h"
#include "gate/svg_chart.h"
#include "loadgate/capacity.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

using gate::EscapeMarkup;

constexpr std::string_view kP50Color = "#16a34a";
constexpr std::string_view kP95Color = "#2563eb";
constexpr std::string_view kP99Color = "#9333ea";
constexpr std::string_view kErrorColor = "#dc2626";

// The steps by offered rate: the curve's points, left to right.
std::vector<const CapacityStep*> ByRate(const CapacityResult& result) {
  std::vector<const CapacityStep*> steps;
  for (const CapacityStep& step : result.steps) steps.push_back(&step);
  std::stable_sort(steps.begin(), steps.end(),
                   [](const CapacityStep* a, const CapacityStep* b) {
                     return a->target_rps < b->target_rps;
                   });
  return steps;
}

// p50, p95 and p99 of `histogram` (a member of TagStats) in ms, one line
// each, named after `metric`.
std::vector<gate::ChartLine> PercentileLines(
    const std::vector<const CapacityStep*>& steps, std::string_view metric,
    Histogram TagStats::*histogram) {
  std::vector<gate::ChartLine> lines;
  for (auto [percentile, color] :
       {std::pair{50.0, kP50Color}, {95.0, kP95Color}, {99.0, kP99Color}}) {
    gate::ChartLine line{
        "p" + FormatNumber(percentile) + " " + std::string(metric),
        std::string(color),
        {}};
    for (const CapacityStep* step : steps) {
      line.values.push_back(
          static_cast<double>(
              (step->report.metrics.total.*histogram).Percentile(percentile)) /
          1e6);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

void WriteFigure(std::string_view caption, const gate::SvgChart& chart,
                 std::ostream& out) {
  out << "<figure class=\"chart\" data-points=\"" << chart.points
      << "\"><figcaption>" << caption << "</figcaption>" << chart.markup
      << "</figure>\n";
}

void WriteCurves(const CapacityResult& result, std::ostream& out) {
  const std::vector<const CapacityStep*> steps = ByRate(result);
  std::vector<double> rates;
  bool streamed = false;
  for (const CapacityStep* step : steps) {
    rates.push_back(step->target_rps);
    streamed = streamed || !step->report.metrics.total.ttft.empty();
  }
  constexpr std::string_view kRate = "offered rate (req/s)";
  WriteFigure("Latency against offered rate",
              gate::XyChart(
                  rates, PercentileLines(steps, "latency", &TagStats::latency),
                  kRate, "ms"),
              out);
  if (streamed) {
    WriteFigure(
        "Time to first token against offered rate",
        gate::XyChart(rates, PercentileLines(steps, "TTFT", &TagStats::ttft),
                      kRate, "ms"),
        out);
  }
  gate::ChartLine errors{"error rate", std::string(kErrorColor), {}};
  for (const CapacityStep* step : steps) {
    errors.values.push_back(step->report.error_rate() * 100);
  }
  WriteFigure("Error rate against offered rate",
              gate::XyChart(rates, {errors}, kRate, "%"), out);
}

void WriteStepTable(const CapacityResult& result, std::ostream& out) {
  out << "<h3>Steps</h3>\n<table class=\"steps\"><thead><tr>"
         "<th class=\"num\">Target req/s</th><th class=\"num\">Sent req/s</th>"
         "<th class=\"num\">p95 latency</th><th class=\"num\">Errors</th>"
         "<th>Result</th><th>Details</th><th>Report</th></tr></thead><tbody>\n";
  for (const CapacityStep& step : result.steps) {
    const char* verdict = step.passed() ? "pass" : "fail";
    const std::string label = step.passed()    ? "PASS"
                              : step.refused() ? "REFUSED"
                                               : "BROKE";
    const std::string file = step.report_file.filename().string();
    out << "<tr class=\"step " << verdict << "\"><td class=\"num\">"
        << FormatNumber(step.target_rps, 1) << "</td><td class=\"num\">"
        << FormatNumber(step.offered.sent_rps, 1) << "</td><td class=\"num\">"
        << FormatMilliseconds(static_cast<double>(
               step.report.metrics.total.latency.Percentile(95)))
        << "</td><td class=\"num\">" << FormatPercent(step.report.error_rate())
        << "</td><td><span class=\"badge " << verdict << "\">" << label
        << "</span></td><td class=\"details\">" << EscapeMarkup(step.Breakage())
        << "</td><td>"
        << (file.empty() ? ""
                         : "<a href=\"" + EscapeMarkup(file) + "\">" +
                               EscapeMarkup(file) + "</a>")
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

std::string Headline(const CapacityResult& result) {
  switch (result.outcome) {
    case CapacityResult::Outcome::kFound:
      return "Capacity " + FormatNumber(result.capacity_rps, 1) + " req/s (" +
             FormatNumber(result.breaking_rps, 1) +
             " req/s broke an objective)";
    case CapacityResult::Outcome::kLowerBound:
      return "Capacity at least " + FormatNumber(result.capacity_rps, 1) +
             " req/s (nothing broke up to the last step)";
    case CapacityResult::Outcome::kRefused:
      return "No capacity reported: " + result.refusal;
    case CapacityResult::Outcome::kNone:
      break;
  }
  return "No capacity: the first step broke an objective";
}

void WriteTiles(const CapacityResult& result, std::ostream& out) {
  auto tile = [&out](std::string_view label, const std::string& value) {
    out << "<div class=\"tile\"><span class=\"label\">" << label
        << "</span><span class=\"value\">" << EscapeMarkup(value)
        << "</span></div>";
  };
  out << "<div class=\"tiles\">";
  tile("capacity", FormatNumber(result.capacity_rps, 1) + " req/s");
  tile("concurrent users", FormatNumber(result.capacity_users, 0));
  tile("cost per request", "$" + FormatNumber(result.cost_per_request_usd, 8));
  tile("cost per session", "$" + FormatNumber(result.cost_per_session_usd, 8));
  out << "</div>\n";
}

}  // namespace

void WriteCapacityHtml(const CapacityResult& result, std::ostream& out) {
  const std::string headline = Headline(result);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
         "\">\n<meta name=\"viewport\" content=\"width=device-width, "
         "initial-scale=1\">\n<title>loadgate capacity</title>\n<style>\n"
      << assets::kPageCss << '\n'
      << assets::kChartsCss
      << "</style>\n</head>\n<body>\n<header class=\"page\"><h1>loadgate "
         "capacity</h1><p>"
      << EscapeMarkup(headline) << "</p></header>\n<main>\n<section "
      << "class=\"run\" data-outcome=\"" << OutcomeName(result.outcome)
      << "\">\n<h2>" << EscapeMarkup(headline) << "</h2>\n";
  if (result.found()) WriteTiles(result, out);
  out << "<p>Objectives:";
  for (const Objective& objective : result.objectives) {
    out << " [" << EscapeMarkup(objective.Describe()) << "]";
  }
  out << "</p>\n";
  WriteCurves(result, out);
  WriteStepTable(result, out);
  out << "</section>\n</main>\n</body>\n</html>\n";
}

}  // namespace loadgate
