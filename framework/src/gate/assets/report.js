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
