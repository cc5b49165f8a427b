var LoadgateCharts = (function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 560, H = 240, M = {l: 56, r: 14, t: 10, b: 36};

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

  // The smallest of 1, 2, 5 x 10^n not below v, and at least 1.
  function wholeStep(v) {
    if (!(v > 1)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
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

  // Removes an earlier drawing, keeping the caption.
  function reset(figure) {
    Array.prototype.slice.call(figure.childNodes).forEach(function (node) {
      if (node.nodeName.toLowerCase() !== 'figcaption') {
        figure.removeChild(node);
      }
    });
    figure.removeAttribute('data-points');
  }

  function emptyNote(figure, text) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = text;
    figure.appendChild(p);
  }

  // Axes with 5 horizontal grid lines; returns the value-to-pixel maps.
  function frame(svg, xMin, xMax, yMax, xLabel, yLabel) {
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
    // Whole, round steps (1, 2, 5 x 10^n), as the x axis counts seconds: it
    // reads 0, 10, 20 s rather than 6.67, and a 2 s run ticks 0, 1, 2
    // rather than every 0.5 s.
    var step = wholeStep(xSpan / 6);
    for (var xv = Math.ceil(xMin / step) * step; xv <= xMax + step * 1e-9;
         xv += step) {
      svgEl('text', {x: M.l + iw * (xv - xMin) / xSpan, y: M.t + ih + 14,
                     'text-anchor': 'middle', 'class': 'axis'},
            svg).textContent = fmt(xv);
    }
    svgEl('text', {x: M.l + iw / 2, y: H - 4, 'text-anchor': 'middle',
                   'class': 'axis'}, svg).textContent = xLabel;
    svgEl('text', {x: 12, y: M.t + ih / 2, 'text-anchor': 'middle',
                   'class': 'axis',
                   transform: 'rotate(-90 12 ' + (M.t + ih / 2) + ')'},
          svg).textContent = yLabel;
    return {
      x: function (v) { return M.l + iw * (v - xMin) / xSpan; },
      y: function (v) { return M.t + ih - ih * Math.min(v / top, 1); }
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

  // lines: [{name, color, values (one per xs entry), dashed}].
  function lineChart(figure, xs, lines, xLabel, yLabel) {
    reset(figure);
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

  return {lineChart: lineChart, fmt: fmt};
})();
