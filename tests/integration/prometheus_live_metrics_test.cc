// /metrics of loadgate's live server over real sockets: scraped during and
// after real runs against a local server (in process and through
// `loadgate run --metrics`), its counters equal to the reports' counts,
// both exposition formats, and `promtool check metrics` passing on it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "loadgate/report.h"
#include "support/mock_llm_http_client.h"
#include "support/prometheus_server.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/short_run.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::SampleValue;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Scrape(uint16_t port, std::string_view accept = "*/*") {
  const mock_llm_test::HttpResponse response = mock_llm_test::Fetch(
      port, "GET", "/metrics", "", {{"Accept", std::string(accept)}});
  EXPECT_EQ(response.status, 200);
  return response.body;
}

// Scrapes until `series` has a value `done` accepts, for at most 20 s.
std::optional<double> ScrapeUntil(uint16_t port, const std::string& series,
                                  const std::function<bool(double)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::optional<double> value;
  while (std::chrono::steady_clock::now() < deadline) {
    value = SampleValue(Scrape(port), series);
    if (value && done(*value)) break;
    std::this_thread::sleep_for(50ms);
  }
  return value;
}

// What `promtool check metrics` objects to; "" also where it is not
// installed (the rest of these tests needs no Prometheus).
std::string PromtoolSays(const std::string& exposition) {
  if (!test_support::PrometheusMissing().empty()) return "";
  return test_support::PromtoolCheckMetrics(exposition);
}

TEST(PrometheusLiveMetricsTest, CountsARealRunAsItGoesAndExactlyAtItsEnd) {
  test_support::TestServer server;
  server.Handle("/ok", test_support::Respond(200, "ok"));
  const Scenario scenario = test_support::OneRequest(
      server.base_url(), Request{.name = "get", .url = "/ok"});
  LiveServer live("127.0.0.1:0");
  OpenModel model;
  model.rate = 50;
  RunOptions options = test_support::ShortRun(3s);
  std::atomic<bool> progressed{false};
  std::atomic<bool> finished{false};
  options.on_progress = live.ProgressCallback(
      [&progressed](const Progress&) { progressed.store(true); });
  live.BeginRun("checkout", model, scenario, options.duration);
  RunReport report;
  std::thread run([&] {
    report = loadgate::Run(scenario, model, options);
    finished.store(true);
  });

  // During the run (from its first progress, at about 1 s of 3): the live
  // counters move, and so do the per-tag ones and histograms.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!progressed.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const std::string tag_series = "{scenario=\"checkout\",tag=\"get\"}";
  const std::optional<double> during =
      ScrapeUntil(live.port(), "loadgate_requests_total" + tag_series,
                  [](double value) { return value > 0; });
  const std::string live_text = Scrape(live.port());
  const bool still_running = progressed.load() && !finished.load();
  run.join();
  live.EndRun(report);
  ASSERT_TRUE(during.has_value()) << live_text;
  EXPECT_TRUE(still_running);
  EXPECT_GT(*during, 0);
  EXPECT_LT(*during, static_cast<double>(report.requests()));
  EXPECT_GT(SampleValue(live_text,
                        "loadgate_run_requests_total{scenario=\"checkout\"}"),
            0);
  const std::optional<double> latency_count_during =
      SampleValue(live_text, "loadgate_latency_seconds_count" + tag_series);
  ASSERT_TRUE(latency_count_during.has_value()) << live_text;
  EXPECT_GT(*latency_count_during, 0);
  EXPECT_GT(SampleValue(live_text,
                        "loadgate_latency_seconds_bucket{"
                        "scenario=\"checkout\",tag=\"get\","
                        "le=\"+Inf\"}"),
            0);
  EXPECT_THAT(live_text, HasSubstr("loadgate_target_rate_requests_per_second{"
                                   "scenario=\"checkout\"} 50\n"));
  EXPECT_EQ(PromtoolSays(live_text), "");

  // After it: exactly the report's counts (once the server applied EndRun).
  const double reported = static_cast<double>(report.requests());
  ASSERT_EQ(ScrapeUntil(live.port(), "loadgate_requests_total" + tag_series,
                        [&](double value) { return value == reported; }),
            reported);
  const std::string text = Scrape(live.port());
  EXPECT_EQ(SampleValue(text,
                        "loadgate_run_requests_total{scenario="
                        "\"checkout\"}"),
            static_cast<double>(report.requests()));
  EXPECT_EQ(SampleValue(text, "loadgate_requests_total" + tag_series),
            reported);
  EXPECT_EQ(SampleValue(text, "loadgate_latency_seconds_count" + tag_series),
            static_cast<double>(report.metrics.tags[0].latency.count()));
  EXPECT_EQ(SampleValue(text,
                        "loadgate_in_flight_requests{scenario="
                        "\"checkout\"}"),
            0);
  EXPECT_GT(report.requests(), 100u);
  EXPECT_EQ(PromtoolSays(text), "");
}

// What Prometheus asks for gets OpenMetrics.
TEST(PrometheusLiveMetricsTest, OpenMetricsWhenTheScraperAsks) {
  LiveServer live("127.0.0.1:0");
  live.BeginRun("checkout", ClosedModel{}, 1s);
  live.EndRun(RunReport{});
  ASSERT_TRUE(ScrapeUntil(live.port(),
                          "loadgate_run_requests_total{scenario=\"checkout\"}",
                          [](double) { return true; }));
  const mock_llm_test::HttpResponse open_metrics = mock_llm_test::Fetch(
      live.port(), "GET", "/metrics", "",
      {{"Accept",
        "application/openmetrics-text;version=1.0.0,text/plain;"
        "version=0.0.4;q=0.5,*/*;q=0.1"}});
  EXPECT_THAT(open_metrics.headers.at("content-type"),
              StartsWith("application/openmetrics-text; version=1.0.0"));
  EXPECT_TRUE(open_metrics.body.ends_with("# EOF\n")) << open_metrics.body;
  EXPECT_EQ(SampleValue(open_metrics.body,
                        "loadgate_run_requests_total{scenario=\"checkout\"}"),
            0);
}

TEST(PrometheusLiveMetricsTest, MetricsOnlyServerHasNoPage) {
  LiveServer metrics("127.0.0.1:0", LivePage::kOff);
  EXPECT_EQ(mock_llm_test::Fetch(metrics.port(), "GET", "/").status, 404);
  EXPECT_EQ(mock_llm_test::Fetch(metrics.port(), "GET", "/events").status, 404);
  const mock_llm_test::HttpResponse response =
      mock_llm_test::Fetch(metrics.port(), "GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers.at("content-type"),
              StartsWith("text/plain; version=0.0.4"));
  LiveServer page("127.0.0.1:0");
  EXPECT_EQ(mock_llm_test::Fetch(page.port(), "GET", "/").status, 200);
}

// A shard's server labels every series shard="K", so the shards of one test
// can be told apart (and summed) in Prometheus.
TEST(PrometheusLiveMetricsTest, AShardLabelsEverySeries) {
  LiveServer metrics("127.0.0.1:0", LivePage::kOff, Shard{1, 2});
  metrics.BeginRun("checkout", OpenModel{.rate = 10}, 1s);
  metrics.EndRun(test_support::SampleReport());
  std::string text;
  for (int i = 0; i < 100 && text.find("tag=") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    text = Scrape(metrics.port());
  }
  int samples = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("loadgate_")) continue;
    ++samples;
    EXPECT_THAT(line, HasSubstr("shard=\"1\"")) << line;
  }
  EXPECT_GT(samples, 10) << text;
}

// `loadgate run --metrics`, kept up by --live-linger until Ctrl-C: its
// /metrics ends up with the JSON report's request count.
TEST(PrometheusLiveMetricsTest, CliServesMetricsWithoutThePage) {
  test_support::TestServer server;
  server.Handle("/ok", test_support::Respond(200, "ok"));
  test_support::TempDir dir;
  const std::filesystem::path report_path = dir.path() / "report.json";
  std::optional<double> scraped;
  std::string scraped_text;
  int page_status = 0;
  const test_support::CommandResult result = test_support::RunLoadgate(
      {"run", "--url", server.base_url() + "/ok", "--rate", "40", "-d", "1s",
       "-t", "1", "--metrics", "127.0.0.1:0", "--live-linger", "50s", "-q",
       "-o", report_path.string()},
      dir.path(), [&](pid_t pid) {
        // stderr names the URL, and says "stays up" once the reports are
        // written.
        const std::string err =
            test_support::WaitForText(dir.path() / "stderr", "stays up", 40s);
        const size_t at = err.find("metrics: http://127.0.0.1:");
        const int port =
            at == std::string::npos ? 0 : std::stoi(err.substr(at + 26));
        if (port != 0) {
          page_status = mock_llm_test::Fetch(port, "GET", "/").status;
          // An ad-hoc run is named after its URL.
          std::ifstream report_file(report_path);
          const std::string scenario =
              ReadJson(report_file, report_path.string()).info.name;
          scraped = ScrapeUntil(port,
                                "loadgate_requests_total{scenario=\"" +
                                    scenario + "\",tag=\"GET /ok\"}",
                                [](double) { return true; });
          scraped_text = Scrape(port);
        }
        kill(pid, SIGINT);
      });
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("/metrics"));
  std::ifstream report_file(report_path);
  const RunReport report = ReadJson(report_file, report_path.string());
  ASSERT_TRUE(scraped.has_value()) << result.err << scraped_text;
  EXPECT_EQ(*scraped, static_cast<double>(report.requests()));
  EXPECT_GT(report.requests(), 10u);
  EXPECT_EQ(page_status, 404);
}

}  // namespace
}  // namespace loadgate
