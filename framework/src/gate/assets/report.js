// The HTML report's script: a refinement only. The charts are SVG written
// with the page, so they show where scripts are blocked; where they run,
// pointing at a chart over time shows that second's values, read from the
// page's data block (#loadgate-data).
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';

  // Up to two decimals, no trailing zeros.
  function num(v) { return String(+(+v).toFixed(2)); }

  // What each chart over time reads out for one slot of a run's series.
  var READOUTS = {
    latency: function (slot) {
      return 'p50 ' + num(slot.p50_ms) + ' ms, p95 ' + num(slot.p95_ms) +
          ' ms, p99 ' + num(slot.p99_ms) + ' ms';
    },
    rate: function (slot, run) {
      return slot.requests + ' req/s' +
          (run.target_rps > 0 ? ' (target ' + num(run.target_rps) + ')' : '');
    },
    errors: function (slot) {
      var text = slot.errors + ' errors';
      Object.keys(slot.errors_by_kind).forEach(function (kind) {
        text += ', ' + kind + ' ' + slot.errors_by_kind[kind];
      });
      return text;
    },
    tokens: function (slot) { return slot.output_tokens + ' tokens/s'; }
  };

  function svgEl(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }

  function addReadout(figure, run) {
    var svg = figure.querySelector('svg[data-seconds]');
    var readout = READOUTS[figure.getAttribute('data-chart')];
    if (!svg || !readout) return;
    var seconds = +svg.getAttribute('data-seconds');
    var span = svg.getAttribute('data-plot-x').split(' ').map(Number);
    // From the plot's top to its bottom (kTop, kHeight - kBottom in
    // svg_chart.cc).
    var guide = svgEl('line', {y1: 28, y2: 224, stroke: '#9ca3af',
                               visibility: 'hidden'}, svg);
    var label = svgEl('text', {x: span[1], y: 24, 'text-anchor': 'end',
                               'font-size': 11, fill: '#111827'},
                      svg);
    svg.addEventListener('mousemove', function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
      var second = Math.floor((x - span[0]) / (span[1] - span[0]) * seconds);
      var slot = run.series[second];
      if (!slot) return;
      var middle = span[0] + (span[1] - span[0]) * (second + 0.5) / seconds;
      guide.setAttribute('x1', middle);
      guide.setAttribute('x2', middle);
      guide.setAttribute('visibility', 'visible');
      label.textContent = 'second ' + slot.second + ': ' + readout(slot, run);
    });
    svg.addEventListener('mouseleave', function () {
      guide.setAttribute('visibility', 'hidden');
      label.textContent = '';
    });
  }

  try {
    var data = JSON.parse(
        document.getElementById('loadgate-data').textContent);
    data.runs.forEach(function (run, i) {
      var section = document.getElementById('run-' + i);
      section.querySelectorAll('figure.chart').forEach(function (figure) {
        addReadout(figure, run);
      });
    });
    document.body.setAttribute('data-rendered', 'ok');
  } catch (error) {
    document.body.setAttribute('data-rendered', 'error');
    var banner = document.createElement('div');
    banner.id = 'script-error';
    banner.textContent = 'The chart readouts could not be set up: ' + error;
    document.body.insertBefore(banner, document.body.firstChild);
  }
})();
