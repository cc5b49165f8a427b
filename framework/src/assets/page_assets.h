// What every page loadgate writes or serves shares (the static HTML report
// of gate/ and the live view of live/), so a live run and its report read
// alike. The text lives in framework/src/assets/ as plain CSS and JS and is
// compiled in at build time (loadgate_embed_assets in
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

// assets/charts.js: a dependency-free script that draws line charts and
// distributions as SVG. It defines one global, LoadgateCharts, with
//   lineChart(figure, xs, lines, xLabel, yLabel)
//   distributionChart(figure, buckets, xLabel, color)
//   fmt(value)
// Drawing into a figure replaces whatever was drawn there before (its
// figcaption stays), so a live page can redraw a chart on every update.
// Each chart sets its figure's data-points attribute to the number of
// points or bars drawn, for tests and curious readers.
extern const std::string_view kChartsJs;

}  // namespace loadgate::assets

#endif  // LOADGATE_ASSETS_PAGE_ASSETS_H_
