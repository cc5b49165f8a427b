(function () {
  'use strict';
  var charts = LoadgateCharts;
  var runsEl = document.getElementById('runs');
  var statusEl = document.getElementById('status');
  var limits = {runs: 50, points_per_run: 3600, points: 20000};
  var runs = [];  // oldest first, as the server keeps them
  var handled = 0;
  var TILES = [['elapsed', 'elapsed'], ['requests', 'requests'],
               ['achieved', 'achieved'], ['target', 'target'],
               ['p50', 'p50 latency'], ['p95', 'p95 latency'],
               ['p99', 'p99 latency'], ['errors', 'errors'],
               ['in_flight', 'in flight']];
  var CHARTS = [['rate', 'Achieved rate against target'],
                ['latency', 'Latency percentiles (each second)'],
                ['errors', 'Errors per second']];
  var X_LABEL = 'seconds into the run';

  function el(tag, className, text, parent) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function ms(v) {
    return v >= 1000 ? charts.fmt(v / 1000) + ' s' : charts.fmt(v) + ' ms';
  }
  function perSecond(v) { return charts.fmt(v) + ' req/s'; }
  function seconds(v) { return charts.fmt(v) + ' s'; }
  function percent(f) { return (100 * f).toFixed(2) + ' %'; }
  function column(points, key) {
    return points.map(function (p) { return p[key]; });
  }
  function setStatus(status, text) {
    statusEl.setAttribute('data-status', status);
    statusEl.textContent = text;
  }

  function build(run) {
    var section = el('section', 'run');
    section.id = 'run-' + run.id;
    var title = el('h2', null, null, section);
    el('span', 'name', run.name, title);
    title.appendChild(document.createTextNode(' '));
    run.badge = el('span', 'badge', null, title);
    var info = el('dl', 'info', null, section);
    function row(term, value) {
      el('dt', null, term, info);
      return el('dd', null, value, info);
    }
    row('Load model', run.load_model);
    row('Planned', seconds(run.planned_s));
    row('Started', run.started_at);
    run.outcome = row('Outcome', null);
    var tiles = el('div', 'tiles', null, section);
    run.tiles = {};
    TILES.forEach(function (t) {
      var tile = el('div', 'tile', null, tiles);
      tile.setAttribute('data-tile', t[0]);
      el('div', 'label', t[1], tile);
      run.tiles[t[0]] = el('div', 'value', '-', tile);
    });
    var figures = el('div', 'charts', null, section);
    run.figures = {};
    CHARTS.forEach(function (c) {
      var figure = el('figure', 'chart', null, figures);
      figure.setAttribute('data-chart', c[0]);
      el('figcaption', null, c[1], figure);
      run.figures[c[0]] = figure;
    });
    run.section = section;
    var waiting = document.getElementById('waiting');
    if (waiting) waiting.remove();
    runsEl.insertBefore(section, runsEl.firstChild);  // current on top
  }

  function draw(run) {
    var last = run.points[run.points.length - 1];
    var result = run.result;
    var tiles = run.tiles;
    function set(name, text) { tiles[name].textContent = text; }
    run.section.setAttribute('data-state', run.state);
    run.badge.className = 'badge ' + run.state;
    run.badge.textContent = run.state;
    run.outcome.textContent =
        run.state === 'running' ? 'running' :
        run.state === 'finished' ? 'completed as planned' :
        run.state + ': ' + result.reason;
    set('target', run.open ? perSecond(run.target_rps) : run.users + ' users');
    if (result && run.state !== 'failed') {
      // The whole run's figures, as its report will state them.
      set('elapsed', seconds(result.duration_s) + ' of ' +
          seconds(run.planned_s));
      set('requests', String(result.requests));
      set('achieved', perSecond(result.achieved_rps));
      set('p50', ms(result.p50_ms));
      set('p95', ms(result.p95_ms));
      set('p99', ms(result.p99_ms));
      set('errors', result.errors + ' (' + percent(result.error_rate) + ')');
      set('in_flight', '0');
    } else if (last) {
      set('elapsed', seconds(last.elapsed_s) + ' of ' + seconds(run.planned_s));
      set('requests', String(last.requests));
      set('achieved', perSecond(last.rps));
      if (run.open) set('target', perSecond(last.target_rps));
      set('p50', ms(last.p50_ms));
      set('p95', ms(last.p95_ms));
      set('p99', ms(last.p99_ms));
      set('errors', last.errors + ' (' + percent(last.error_rate) + ')');
      set('in_flight', String(last.in_flight));
    }
    var points = run.points;
    var xs = column(points, 'elapsed_s');
    // The target first, so that the achieved line is drawn over it.
    var rateLines = [];
    if (run.open) {
      rateLines.push({name: 'target req/s', color: '#9ca3af', dashed: true,
                      values: column(points, 'target_rps')});
    }
    rateLines.push({name: 'achieved req/s', color: '#2563eb',
                    values: column(points, 'rps')});
    charts.lineChart(run.figures.rate, xs, rateLines, X_LABEL, 'req/s');
    charts.lineChart(run.figures.latency, xs, [
      {name: 'p50', color: '#2563eb', values: column(points, 'p50_ms')},
      {name: 'p95', color: '#f59e0b', values: column(points, 'p95_ms')},
      {name: 'p99', color: '#dc2626', values: column(points, 'p99_ms')}
    ], X_LABEL, 'ms');
    charts.lineChart(run.figures.errors, xs, [
      {name: 'errors/s', color: '#dc2626',
       values: column(points, 'errors_per_s')}
    ], X_LABEL, 'errors/s');
  }

  // The server's rule: a run keeps its last points_per_run points, and the
  // oldest runs go while there are too many runs or points.
  function trim() {
    var total = 0;
    runs.forEach(function (run) {
      while (run.points.length > limits.points_per_run) run.points.shift();
      total += run.points.length;
    });
    while (runs.length > 1 &&
           (runs.length > limits.runs || total > limits.points)) {
      var oldest = runs.shift();
      total -= oldest.points.length;
      oldest.section.remove();
    }
  }

  function find(id) {
    for (var i = runs.length - 1; i >= 0; i--) {
      if (runs[i].id === id) return runs[i];
    }
    return null;
  }

  var handlers = {
    snapshot: function (data) {
      limits = data.limits;
      runs.forEach(function (run) { run.section.remove(); });
      runs = [];
      data.runs.forEach(function (run) {
        build(run);
        runs.push(run);
        draw(run);
      });
    },
    run: function (run) {
      build(run);
      runs.push(run);
      trim();
      draw(run);
    },
    progress: function (point) {
      var run = find(point.run);
      if (!run) return;
      delete point.run;
      run.points.push(point);
      trim();
      draw(run);
    },
    end: function (end) {
      var run = find(end.run);
      if (!run) return;
      run.state = end.state;
      run.result = end;
      draw(run);
    }
  };

  function showError(error) {
    document.body.setAttribute('data-rendered', 'error');
    var banner = document.getElementById('script-error') ||
                 el('div', null, null, null);
    banner.id = 'script-error';
    banner.textContent = 'The live view could not be drawn: ' + error;
    document.body.insertBefore(banner, document.body.firstChild);
  }

  try {
    var source = new EventSource('events');
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        try {
          handlers[name](JSON.parse(event.data));
          handled++;
          document.body.setAttribute('data-events', handled);
          document.body.setAttribute('data-rendered', 'ok');
        } catch (error) {
          showError(error);
        }
      });
    });
    source.onopen = function () { setStatus('live', 'live'); };
    // EventSource reconnects by itself (after the server's retry delay); the
    // page keeps what it has until a new snapshot arrives.
    source.onerror = function () {
      setStatus('offline', source.readyState === EventSource.CLOSED ?
                'disconnected' : 'reconnecting');
    };
  } catch (error) {
    showError(error);
  }
})();
