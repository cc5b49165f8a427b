// The stylesheet and script inlined into every HTML report, so that a report
// opens anywhere without network access. Hand-written and dependency-free:
// the script reads the JSON data block and draws each chart as SVG with the
// shared toolkit of gate/svg_charts.h, which the page inlines before it.
#ifndef LOADGATE_GATE_HTML_REPORT_ASSETS_H_
#define LOADGATE_GATE_HTML_REPORT_ASSETS_H_

#include <string_view>

namespace loadgate::gate {

inline constexpr std::string_view kHtmlReportCss = R"css(
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb;
  --pass: #15803d; --fail: #b91c1c; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.page { background: #111827; color: #f9fafb; padding: 18px 32px; }
header.page h1 { margin: 0; font-size: 20px; font-weight: 600; }
header.page p { margin: 4px 0 0; color: #d1d5db; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 32px 48px; }
section.run { background: #fff; border: 1px solid var(--line);
  border-radius: 8px; padding: 20px 24px; margin: 20px 0; }
h2 { margin: 0 0 12px; font-size: 18px; }
h3 { margin: 24px 0 8px; font-size: 15px; color: #374151; }
dl.info { display: grid; grid-template-columns: max-content 1fr;
  gap: 2px 16px; margin: 0 0 12px; }
dl.info dt { color: var(--muted); }
dl.info dd { margin: 0; }
.stopped { color: var(--fail); font-weight: 600; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px;
  min-width: 120px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 18px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-variant-numeric:
  tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid
  var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; }
td.details { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px;
  font-size: 12px; font-weight: 600; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
#script-error { background: #fee2e2; color: var(--fail); padding: 8px 32px; }
)css";

inline constexpr std::string_view kHtmlReportJs = R"js(
(function () {
  'use strict';
  var lineChart = LoadgateCharts.lineChart;
  var distributionChart = LoadgateCharts.distributionChart;
  var KIND_COLORS = {connect: '#7c3aed', timeout: '#f59e0b',
    http_4xx: '#0891b2', http_5xx: '#dc2626', check_failed: '#db2777',
    protocol: '#4b5563'};

  function column(series, key) {
    return series.map(function (slot) { return slot[key]; });
  }

  function drawRun(run, section) {
    var series = run.series;
    var xs = column(series, 'second');
    function chart(name) {
      return section.querySelector('figure[data-chart="' + name + '"]');
    }
    lineChart(chart('latency'), xs, [
      {name: 'p50', color: '#2563eb', values: column(series, 'p50_ms')},
      {name: 'p95', color: '#f59e0b', values: column(series, 'p95_ms')},
      {name: 'p99', color: '#dc2626', values: column(series, 'p99_ms')}
    ], 'second of the run', 'ms');

    // The target first, so that the achieved line is drawn over it.
    var rateLines = [];
    if (run.target_rps > 0) {
      rateLines.push({name: 'target req/s', color: '#9ca3af', dashed: true,
                      values: series.map(function () {
                        return run.target_rps;
                      })});
    }
    rateLines.push({name: 'achieved req/s', color: '#2563eb',
                    values: column(series, 'requests')});
    lineChart(chart('rate'), xs, rateLines, 'second of the run', 'req/s');

    var errorLines = [{name: 'all errors', color: '#111827',
                       values: column(series, 'errors')}];
    run.error_kinds.forEach(function (kind) {
      errorLines.push({name: kind, color: KIND_COLORS[kind] || '#9ca3af',
                       values: series.map(function (slot) {
                         return slot.errors_by_kind[kind] || 0;
                       })});
    });
    lineChart(chart('errors'), xs, errorLines, 'second of the run',
              'errors/s');

    distributionChart(chart('distribution'), run.latency_buckets_ms,
                      'latency (ms, log scale)', '#2563eb');

    if (run.llm) {
      lineChart(chart('tokens'), xs, [
        {name: 'output tokens/s', color: '#16a34a',
         values: column(series, 'output_tokens')}
      ], 'second of the run', 'tokens/s');
      distributionChart(chart('ttft'), run.ttft_buckets_ms,
                        'time to first token (ms, log scale)', '#9333ea');
    }
  }

  try {
    var data = JSON.parse(
        document.getElementById('loadgate-data').textContent);
    data.runs.forEach(function (run, i) {
      drawRun(run, document.getElementById('run-' + i));
    });
    document.body.setAttribute('data-rendered', 'ok');
  } catch (error) {
    document.body.setAttribute('data-rendered', 'error');
    var banner = document.createElement('div');
    banner.id = 'script-error';
    banner.textContent = 'Charts could not be drawn: ' + error;
    document.body.insertBefore(banner, document.body.firstChild);
  }
})();
)js";

}  // namespace loadgate::gate

#endif  // LOADGATE_GATE_HTML_REPORT_ASSETS_H_
