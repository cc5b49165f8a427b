// Line and distribution charts as SVG markup (svg_chart.h). The layout
// (a 560 x 260 view box, legend on top, five value grid lines) matches what
// assets/charts.css expects, so the page's stylesheet, when a viewer allows
// it, only scales the charts.
#include "gate/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "gate/markup.h"
#include "loadgate/format.h"

namespace loadgate::gate {
namespace {

constexpr double kWidth = 560;
constexpr double kHeight = 260;
constexpr double kLeft = 56;
constexpr double kRight = 14;
constexpr double kTop = 28;
constexpr double kBottom = 36;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;
constexpr int kBins = 40;
constexpr std::string_view kMuted = "#6b7280";
constexpr std::string_view kGrid = "#e5e7eb";

// Pixel coordinates with one decimal: enough for a screen, and stable.
std::string Px(double value) { return FormatFixed(value, 1); }

// The smallest of 1, 2, 2.5 and 5 x 10^n not below `value`: the top of the
// value axis, so that its five ticks read well.
double NiceCeil(double value) {
  if (!(value > 0)) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

// The x axis' tick step: 1, 2 or 5 x 10^n and never below 1, as both x axes
// count whole things (seconds, bins): a 2 s run ticks 0, 1, 2.
double WholeStep(double span) {
  if (span <= 1) return 1;
  const double power = std::pow(10, std::floor(std::log10(span)));
  for (double step : {1.0, 2.0, 5.0}) {
    if (step * power >= span) return step * power;
  }
  return 10 * power;
}

std::string Text(double x, double y, std::string_view anchor,
                 std::string_view text, std::string_view extra = "") {
  std::string markup =
      "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" text-anchor=\"";
  markup.append(anchor).append("\"");
  if (!extra.empty()) markup.append(" ").append(extra);
  return markup.append(">").append(EscapeMarkup(text)).append("</text>");
}

// The plot area of a chart: maps values to pixels and draws the grid, the
// ticks and the axis labels.
class Frame {
 public:
  Frame(double x_min, double x_max, double y_max)
      : x_min_(x_min),
        x_span_(x_max > x_min ? x_max - x_min : 1),
        x_max_(x_max),
        y_top_(NiceCeil(y_max)) {}

  double X(double value) const {
    return kLeft + kPlotWidth * (value - x_min_) / x_span_;
  }
  double Y(double value) const {
    return kTop + kPlotHeight - kPlotHeight * std::min(value / y_top_, 1.0);
  }

  // `x_tick` labels an x tick (by default, the value itself).
  std::string Axes(std::string_view x_label, std::string_view y_label,
                   const std::function<std::string(double)>& x_tick) const {
    std::string grid = "<g class=\"grid\" stroke=\"" + std::string(kGrid) +
                       "\" stroke-width=\"1\">";
    std::string text = "<g class=\"axis\" fill=\"" + std::string(kMuted) +
                       "\" font-size=\"11\">";
    for (int i = 0; i <= 5; ++i) {
      const double y = Y(y_top_ * i / 5);
      grid += "<line x1=\"" + Px(kLeft) + "\" x2=\"" + Px(kLeft + kPlotWidth) +
              "\" y1=\"" + Px(y) + "\" y2=\"" + Px(y) + "\"/>";
      text += Text(kLeft - 6, y + 4, "end", TickLabel(y_top_ * i / 5));
    }
    const double step = WholeStep(x_span_ / 6);
    for (double x = std::ceil(x_min_ / step) * step; x <= x_max_ + 1e-9;
         x += step) {
      text += Text(X(x), kTop + kPlotHeight + 14, "middle", x_tick(x));
    }
    const double middle = kTop + kPlotHeight / 2;
    text += Text(kLeft + kPlotWidth / 2, kHeight - 4, "middle", x_label);
    text += Text(12, middle, "middle", y_label,
                 "transform=\"rotate(-90 12 " + Px(middle) + ")\"");
    return grid + "</g>" + text + "</g>";
  }

 private:
  double x_min_;
  double x_span_;
  double x_max_;
  double y_top_;
};

// `attributes` (" name=\"value\"...") are added to the start tag.
std::string SvgOpen(std::string_view attributes = "") {
  const std::string width = FormatNumber(kWidth);
  const std::string height = FormatNumber(kHeight);
  std::string open = "<svg viewBox=\"0 0 " + width + " " + height +
                     "\" width=\"" + width + "\" height=\"" + height +
                     "\" role=\"img\" font-family=\"sans-serif\"";
  return open.append(attributes).append(">");
}

// Swatches and names in a row above the plot; the width of a name is
// estimated (7 px a character), as markup cannot measure text.
std::string Legend(const std::vector<ChartLine>& lines) {
  std::string legend =
      "<g fill=\"" + std::string(kMuted) + "\" font-size=\"12\">";
  double x = kLeft;
  for (const ChartLine& line : lines) {
    legend += "<rect x=\"" + Px(x) +
              "\" y=\"9\" width=\"12\" height=\"3\" "
              "fill=\"" +
              line.color + "\"/>" + Text(x + 16, 14, "start", line.name);
    x += 16 + 7 * static_cast<double>(line.name.size()) + 14;
  }
  return legend + "</g>";
}

// `line` through `points` ("x,y x,y ..." in pixels).
std::string Polyline(const ChartLine& line, const std::string& points) {
  std::string markup = "<polyline points=\"" + points +
                       "\" fill=\"none\" stroke=\"" + line.color +
                       "\" stroke-width=\"1.8\" data-series=\"" +
                       EscapeMarkup(line.name) + "\"";
  if (line.dashed) markup += " stroke-dasharray=\"6 4\"";
  return markup + "><title>" + EscapeMarkup(line.name) + "</title></polyline>";
}

SvgChart Note(std::string_view text) {
  return {"<p class=\"empty\">" + std::string(text) + "</p>", 0};
}

}  // namespace

std::string TickLabel(double value) {
  const double size = std::abs(value);
  if (size >= 1e6) return FormatNumber(value / 1e6, 1) + "M";
  if (size >= 1e4) return FormatNumber(value / 1e3, 1) + "k";
  if (size >= 100) return FormatFixed(value, 0);
  if (size >= 1 || value == 0) return FormatNumber(value, 2);
  // Two significant digits: 0.25, 0.012.
  return FormatNumber(value,
                      1 - static_cast<int>(std::floor(std::log10(size))));
}

SvgChart LineChart(int64_t seconds, const std::vector<ChartLine>& lines,
                   std::string_view x_label, std::string_view y_label) {
  if (seconds <= 0) return Note("No data.");
  double y_max = 0;
  for (const ChartLine& line : lines) {
    for (double value : line.values) y_max = std::max(y_max, value);
  }
  const Frame frame(0, static_cast<double>(seconds), y_max);
  // Where the seconds lie, for the page script's pointer readout.
  const std::string plot = " data-seconds=\"" + std::to_string(seconds) +
                           "\" data-plot-x=\"" + Px(kLeft) + " " +
                           Px(kLeft + kPlotWidth) + "\"";
  SvgChart chart{SvgOpen(plot) + frame.Axes(x_label, y_label, TickLabel), 0};
  for (const ChartLine& line : lines) {
    std::string points;
    for (size_t i = 0; i < line.values.size(); ++i) {
      if (!points.empty()) points += ' ';
      points += Px(frame.X(static_cast<double>(i) + 0.5)) + "," +
                Px(frame.Y(line.values[i]));
    }
    // One point alone draws nothing: span its second instead.
    if (line.values.size() == 1) {
      const std::string y = Px(frame.Y(line.values[0]));
      points = Px(frame.X(0)) + "," + y + " " + Px(frame.X(1)) + "," + y;
    }
    chart.markup += Polyline(line, points);
    chart.points += static_cast<int>(line.values.size());
  }
  chart.markup += Legend(lines) + "</svg>";
  return chart;
}

SvgChart XyChart(const std::vector<double>& xs,
                 const std::vector<ChartLine>& lines, std::string_view x_label,
                 std::string_view y_label) {
  if (xs.empty()) return Note("No data.");
  double y_max = 0;
  for (const ChartLine& line : lines) {
    for (double value : line.values) y_max = std::max(y_max, value);
  }
  const Frame frame(0, NiceCeil(*std::max_element(xs.begin(), xs.end())),
                    y_max);
  SvgChart chart{SvgOpen() + frame.Axes(x_label, y_label, TickLabel), 0};
  for (const ChartLine& line : lines) {
    std::string points;
    std::string dots = "<g fill=\"" + line.color + "\">";
    for (size_t i = 0; i < line.values.size() && i < xs.size(); ++i) {
      const std::string x = Px(frame.X(xs[i]));
      const std::string y = Px(frame.Y(line.values[i]));
      if (!points.empty()) points += ' ';
      points += x + "," + y;
      dots += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"3\"><title>" +
              EscapeMarkup(line.name) + " at " + TickLabel(xs[i]) + ": " +
              TickLabel(line.values[i]) + "</title></circle>";
      ++chart.points;
    }
    chart.markup += Polyline(line, points) + dots + "</g>";
  }
  chart.markup += Legend(lines) + "</svg>";
  return chart;
}

SvgChart DistributionChart(
    const std::vector<std::pair<double, uint64_t>>& buckets,
    std::string_view x_label, std::string_view color) {
  if (buckets.empty()) return Note("No samples.");
  const double low = std::max(buckets.front().first, 1e-6);
  const double high = std::max(buckets.back().first, low);
  const int bins = high > low * 1.05 ? kBins : 1;
  const double span = high > low ? std::log(high / low) : 1;
  std::vector<uint64_t> counts(bins, 0);
  for (const auto& [value, count] : buckets) {
    const double position = std::log(std::max(value, low) / low) / span;
    counts[std::min(bins - 1, static_cast<int>(position * bins))] += count;
  }
  const Frame frame(
      0, bins,
      static_cast<double>(*std::max_element(counts.begin(), counts.end())));
  // Ticks name the bins' lower edges.
  auto edge = [&](double bin) {
    return TickLabel(low * std::exp(span * bin / bins));
  };
  SvgChart chart{SvgOpen() + frame.Axes(x_label, "requests", edge), 0};
  const double bar_width = std::max(kPlotWidth / bins - 2, 1.0);
  chart.markup += "<g fill=\"" + std::string(color) + "\">";
  for (int i = 0; i < bins; ++i) {
    if (counts[i] == 0) continue;
    const double top = frame.Y(static_cast<double>(counts[i]));
    chart.markup += "<rect x=\"" + Px(frame.X(i) + 1) + "\" y=\"" + Px(top) +
                    "\" width=\"" + Px(bar_width) + "\" height=\"" +
                    Px(frame.Y(0) - top) + "\" data-count=\"" +
                    std::to_string(counts[i]) + "\"><title>from " + edge(i) +
                    ": " + std::to_string(counts[i]) + "</title></rect>";
    ++chart.points;
  }
  chart.markup += "</g></svg>";
  return chart;
}

}  // namespace loadgate::gate
