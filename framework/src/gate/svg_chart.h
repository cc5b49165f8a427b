// The HTML report's charts as SVG markup, drawn when the page is written so
// that they show without JavaScript and without CSS (an archive viewer's
// Content-Security-Policy may forbid both): every colour, stroke and font
// is a presentation attribute, never a style. Output is deterministic: the
// same series always give the same bytes.
#ifndef LOADGATE_GATE_SVG_CHART_H_
#define LOADGATE_GATE_SVG_CHART_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadgate::gate {

// One line of a chart: over the seconds of a run, or over XyChart's xs.
struct ChartLine {
  std::string name;            // in the legend and the line's tooltip
  std::string color;           // "#2563eb"
  std::vector<double> values;  // one per second of the chart, or per x
  bool dashed = false;
};

// A chart's markup and how many points or bars it drew (the figure's
// data-points attribute, for tests and curious readers).
struct SvgChart {
  std::string markup;
  int points = 0;
};

// Lines over `seconds` whole seconds of a run: the value of second s (the
// interval [s, s + 1)) is drawn in the middle of that interval, on an axis
// from 0 to `seconds` ticked at whole seconds. No seconds: a "No data." note.
SvgChart LineChart(int64_t seconds, const std::vector<ChartLine>& lines,
                   std::string_view x_label, std::string_view y_label);

// Lines over a measured x axis (e.g. offered rate): line value i is drawn
// at xs[i], with a dot, on an axis from 0 past the largest x. No xs: a
// "No data." note.
SvgChart XyChart(const std::vector<double>& xs,
                 const std::vector<ChartLine>& lines, std::string_view x_label,
                 std::string_view y_label);

// A histogram's buckets ([value, count] ascending) in up to 40 log-spaced
// bars, since latency spreads over orders of magnitude. No buckets: a
// "No samples." note.
SvgChart DistributionChart(
    const std::vector<std::pair<double, uint64_t>>& buckets,
    std::string_view x_label, std::string_view color);

// A tick label: up to three significant decimals, no trailing zeros, large
// values as "12.5k" or "1.2M" ("0.25", "8", "12.5", "250").
std::string TickLabel(double value);

}  // namespace loadgate::gate

#endif  // LOADGATE_GATE_SVG_CHART_H_
