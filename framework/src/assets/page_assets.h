// What the pages loadgate writes or serves share (the static HTML report
// of gate/ and the live view of live/), so a live run and its report read
// alike: the stylesheets both inline, and the chart script with which the
// live view draws (the report's charts are SVG written with the page, see
// gate/svg_chart.h). The text lives in framework/src/assets/ as plain CSS
// and JS and is compiled in at build time (loadgate_embed_assets in
// framework/CMakeLists.txt); each page inlines it, so that no page needs
// network access.
#ifndef LOADGATE_ASSETS_PAGE_ASSETS_H_
#define LOADGATE_ASSETS_PAGE_ASSETS_H_

#include <string_view>

namespace loadgate::assets {

// assets/page.css: the look of a page: header, run sections, info lists,
// tiles, tables, pass/fail badges and the script-error banner.
extern const std::string_view kPageCss;

// assets/charts.css: the look of chart figures, legends and axes.
extern const std::string_view kChartsCss;

// assets/charts.js: a dependency-free script that draws line charts as SVG
// in the browser, for the live view's changing data. It defines one global, LoadgateCharts, with
//   lineChart(figure, xs, lines, xLabel, yLabel)
//   fmt(value)
// Drawing into a figure replaces whatever was drawn there before (its
// figcaption stays), so a live page can redraw a chart on every update.
// Each chart sets its figure's data-points attribute to the number of
// points or bars drawn, for tests and curious readers.
extern const std::string_view kChartsJs;

}  // namespace loadgate::assets

#endif  // LOADGATE_ASSETS_PAGE_ASSETS_H_
