// A real Prometheus (Debian's package, started on a loopback port) scrapes
// loadgate's live /metrics every second during a run; PromQL then returns
// the run's request count exactly and a histogram_quantile within the
// bound of prometheus/buckets.h of loadgate's p95. Skipped, saying why,
// where Prometheus is not installed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "loadgate/report.h"
#include "support/prometheus_server.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;

TEST(PrometheusScrapeTest, PromQlAgreesWithTheReport) {
  if (const std::string missing = test_support::PrometheusMissing();
      !missing.empty()) {
    GTEST_SKIP() << missing;
  }
  test_support::TestServer server;
  // 20 ms is a bucket bound: every latency sits just past it, the case
  // where coarse buckets mislead most.
  server.Handle(
      "/slow", test_support::Delayed(20ms, test_support::Respond(200, "slow")));
  const Scenario scenario = test_support::OneRequest(
      server.base_url(), Request{.name = "slow", .url = "/slow"});
  LiveServer live("127.0.0.1:0");
  test_support::PrometheusServer prometheus(
      {"127.0.0.1:" + std::to_string(live.port())});

  OpenModel model;
  model.rate = 50;
  RunOptions options = test_support::ShortRun(3s);
  options.on_progress = live.ProgressCallback();
  live.BeginRun("checkout", model, scenario, options.duration);
  std::atomic<bool> running{true};
  RunReport report;
  std::thread run([&] {
    report = loadgate::Run(scenario, model, options);
    running.store(false);
  });
  // Seen while the run goes on, from the live counters.
  const std::optional<double> during = prometheus.WaitForValue(
      "loadgate_run_requests_total{scenario=\"checkout\"}",
      [](double value) { return value > 0; }, 20s);
  const bool seen_while_running = running.load();
  run.join();
  live.EndRun(report);
  ASSERT_TRUE(during.has_value())
      << prometheus.last_error() << prometheus.Log();
  EXPECT_TRUE(seen_while_running);

  const double requests = static_cast<double>(report.requests());
  ASSERT_GT(requests, 100);
  const auto exactly = [requests](double value) { return value == requests; };
  EXPECT_EQ(prometheus.WaitForValue(
                "sum(loadgate_requests_total{scenario=\"checkout\"})", exactly),
            requests)
      << prometheus.last_error();
  EXPECT_EQ(prometheus.WaitForValue(
                "loadgate_run_requests_total{scenario=\"checkout\"}", exactly),
            requests)
      << prometheus.last_error();

  const double p95 =
      static_cast<double>(report.metrics.total.latency.Percentile(95)) / 1e9;
  EXPECT_TRUE(test_support::HistogramQuantileWithinBound(
      prometheus, 0.95,
      "loadgate_latency_seconds_bucket{scenario=\"checkout\"}", p95));
  EXPECT_GT(p95, 0.02);
}

}  // namespace
}  // namespace loadgate
