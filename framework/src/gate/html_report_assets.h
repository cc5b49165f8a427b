// The stylesheet and script inlined into every HTML report, so that a report
// opens anywhere without network access. Hand-written and dependency-free:
// the script reads the JSON data block and draws each chart as SVG.
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
.charts { display: grid; grid-template-columns: repeat(auto-fill,
  minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px;
  padding: 8px; }
figure.chart figcaption { font-weight: 600; margin: 0 0 4px 4px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 0 4px;
  font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 3px;
  vertical-align: middle; margin-right: 4px; }
.empty { color: var(--muted); font-style: italic; padding: 24px 8px; }
svg .grid { stroke: var(--line); }
svg .axis { fill: var(--muted); font-size: 11px; }
#script-error { background: #fee2e2; color: var(--fail); padding: 8px 32px; }
)css";

inline constexpr std::string_view kHtmlReportJs = R"js(
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 560, H = 240, M = {l: 56, r: 14, t: 10, b: 36};
  var KIND_COLORS = {connect: '#7c3aed', timeout: '#f59e0b',
    http_4xx: '#0891b2', http_5xx: '#dc2626', check_failed: '#db2777',
    protocol: '#4b5563'};

  function svgEl(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // The smallest "round" number (1, 2, 2.5, 5 x 10^n) not below v, so the
  // axis ticks read well.
  function niceCeil(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * p >= v) return steps[i] * p;
    }
    return 10 * p;
  }

  // Up to three significant decimals, no trailing zeros: "0.25", "8", "12.5".
  function fmt(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + 'k';
    if (a >= 100) return v.toFixed(0);
    if (a >= 1 || v === 0) return String(+v.toFixed(2));
    return String(+v.toPrecision(2));
  }

  function emptyNote(figure, text) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = text;
    figure.appendChild(p);
  }

  // Axes with 5 horizontal grid lines; returns the value-to-pixel maps.
  // xFormat labels the x ticks (default: the value itself).
  function frame(svg, xMin, xMax, yMax, xLabel, yLabel, xFormat) {
    var iw = W - M.l - M.r, ih = H - M.t - M.b;
    var top = niceCeil(yMax);
    var xSpan = xMax > xMin ? xMax - xMin : 1;
    for (var i = 0; i <= 5; i++) {
      var y = M.t + ih - ih * i / 5;
      svgEl('line', {x1: M.l, x2: M.l + iw, y1: y, y2: y, 'class': 'grid'},
            svg);
      svgEl('text', {x: M.l - 6, y: y + 4, 'text-anchor': 'end',
                     'class': 'axis'}, svg).textContent = fmt(top * i / 5);
    }
    // Round steps, so a time axis reads 0, 10, 20 s rather than 6.67.
    var step = niceCeil(xSpan / 6);
    for (var xv = Math.ceil(xMin / step) * step; xv <= xMax + step * 1e-9;
         xv += step) {
      svgEl('text', {x: M.l + iw * (xv - xMin) / xSpan, y: M.t + ih + 14,
                     'text-anchor': 'middle', 'class': 'axis'},
            svg).textContent = (xFormat || fmt)(xv);
    }
    svgEl('text', {x: M.l + iw / 2, y: H - 4, 'text-anchor': 'middle',
                   'class': 'axis'}, svg).textContent = xLabel;
    svgEl('text', {x: 12, y: M.t + ih / 2, 'text-anchor': 'middle',
                   'class': 'axis',
                   transform: 'rotate(-90 12 ' + (M.t + ih / 2) + ')'},
          svg).textContent = yLabel;
    return {
      x: function (v) { return M.l + iw * (v - xMin) / xSpan; },
      y: function (v) { return M.t + ih - ih * Math.min(v / top, 1); },
      width: iw
    };
  }

  function newSvg(figure) {
    return svgEl('svg', {viewBox: '0 0 ' + W + ' ' + H, role: 'img'},
                 figure);
  }

  function legend(figure, lines) {
    var div = document.createElement('div');
    div.className = 'legend';
    lines.forEach(function (line) {
      var span = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.style.background = line.color;
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(line.name));
      div.appendChild(span);
    });
    figure.appendChild(div);
  }

  // lines: [{name, color, values (one per xs entry), dashed}]. The figure's
  // data-points attribute counts the points drawn, for tests and readers.
  function lineChart(figure, xs, lines, xLabel, yLabel) {
    if (xs.length === 0) {
      emptyNote(figure, 'No data.');
      return;
    }
    var yMax = 0;
    lines.forEach(function (line) {
      line.values.forEach(function (v) { yMax = Math.max(yMax, v); });
    });
    var svg = newSvg(figure);
    var f = frame(svg, xs[0], xs[xs.length - 1], yMax, xLabel, yLabel);
    var points = 0;
    lines.forEach(function (line) {
      var coords = line.values.map(function (v, i) {
        return f.x(xs[i]).toFixed(1) + ',' + f.y(v).toFixed(1);
      });
      if (coords.length === 1) coords.push((f.x(xs[0]) + 4) + ',' +
                                           f.y(line.values[0]).toFixed(1));
      var attrs = {points: coords.join(' '), fill: 'none',
                   stroke: line.color, 'stroke-width': 1.8,
                   'data-series': line.name};
      if (line.dashed) attrs['stroke-dasharray'] = '6 4';
      svgEl('polyline', attrs, svg);
      points += line.values.length;
    });
    figure.setAttribute('data-points', points);
    legend(figure, lines);
  }

  // buckets: [[value, count], ...] ascending. Groups them into up to 40
  // log-spaced bins, since latency spreads over orders of magnitude.
  function distributionChart(figure, buckets, xLabel, color) {
    if (buckets.length === 0) {
      emptyNote(figure, 'No samples.');
      return;
    }
    var lo = Math.max(buckets[0][0], 1e-6);
    var hi = Math.max(buckets[buckets.length - 1][0], lo);
    var n = hi > lo * 1.05 ? 40 : 1;
    var counts = [];
    for (var b = 0; b < n; b++) counts.push(0);
    var span = Math.log(hi / lo) || 1;
    buckets.forEach(function (bucket) {
      var v = Math.max(bucket[0], lo);
      var i = Math.min(n - 1, Math.floor(Math.log(v / lo) / span * n));
      counts[i] += bucket[1];
    });
    var svg = newSvg(figure);
    // Ticks name the bins' lower edges.
    var f = frame(svg, 0, n, Math.max.apply(null, counts), xLabel,
                  'requests', function (bin) {
                    return fmt(lo * Math.exp(span * bin / n));
                  });
    var bars = 0;
    var barWidth = f.width / n;
    counts.forEach(function (count, i) {
      if (count === 0) return;
      svgEl('rect', {x: (f.x(i) + 1).toFixed(1), y: f.y(count).toFixed(1),
                     width: Math.max(barWidth - 2, 1).toFixed(1),
                     height: (f.y(0) - f.y(count)).toFixed(1), fill: color,
                     'data-count': count}, svg);
      bars++;
    });
    figure.setAttribute('data-points', bars);
  }

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
