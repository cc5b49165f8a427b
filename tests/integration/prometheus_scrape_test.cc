// A real Prometheus (Debian's package, on a loopback port) scraping every
// second both loadgate's live /metrics and a real Pushgateway: PromQL
// returns a run's request count exactly and a histogram_quantile within the
// bound of prometheus/buckets.h of loadgate's p95, whether the run was
// scraped or pushed, and every panel query of deploy/grafana/loadgate.json
// returns data. One Prometheus for the program: it takes about 5 s to
// scrape new targets. Skipped, saying why, where the packages are missing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "loadgate/report.h"
#include "prometheus/pushgateway.h"
#include "support/prometheus_server.h"
#include "support/service_process.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;

// Every panel query, with Grafana's variables replaced: this scenario, all
// tags and shards, a rate window of a few scrapes.
std::vector<std::string> DashboardQueries(const std::string& scenario) {
  std::ifstream file(std::string(LOADGATE_SOURCE_DIR) +
                     "/deploy/grafana/loadgate.json");
  const nlohmann::json dashboard = nlohmann::json::parse(file);
  std::vector<std::string> queries;
  for (const nlohmann::json& panel : dashboard.at("panels")) {
    for (const nlohmann::json& target : panel.at("targets")) {
      std::string expr = target.at("expr");
      for (const auto& [variable, value] :
           {std::pair<std::string, std::string>{"$scenario", scenario},
            {"$tag", ".*"},
            {"$shard", ".*"},
            {"$__rate_interval", "5s"}}) {
        for (size_t at = expr.find(variable); at != std::string::npos;
             at = expr.find(variable)) {
          expr.replace(at, variable.size(), value);
        }
      }
      queries.push_back(expr);
    }
  }
  return queries;
}

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!Missing().empty()) return;
    live_ = std::make_unique<LiveServer>("127.0.0.1:0");
    gateway_ = std::make_unique<test_support::PushgatewayServer>();
    prometheus_ = std::make_unique<test_support::PrometheusServer>(
        std::vector<std::string>{
            "127.0.0.1:" + std::to_string(live_->port()),
            "127.0.0.1:" + std::to_string(gateway_->port())});
  }
  static void TearDownTestSuite() {
    prometheus_.reset();
    gateway_.reset();
    live_.reset();
  }
  static std::string Missing() {
    const std::string prometheus = test_support::PrometheusMissing();
    return prometheus.empty() ? test_support::PushgatewayMissing() : prometheus;
  }

  void SetUp() override {
    if (const std::string missing = Missing(); !missing.empty()) {
      GTEST_SKIP() << missing;
    }
    // 20 ms is a bucket bound: every latency sits just past it, the case
    // where coarse buckets mislead most.
    server_.Handle("/slow", test_support::Delayed(
                                20ms, test_support::Respond(200, "slow")));
  }

  Scenario Slow() const {
    return test_support::OneRequest(server_.base_url(),
                                    Request{.name = "slow", .url = "/slow"});
  }

  // The report's count, exactly, from `total`; and its p95 from the
  // buckets of `selector`.
  static void ExpectPromQlAgrees(const RunReport& report,
                                 const std::string& total,
                                 const std::string& selector) {
    const double requests = static_cast<double>(report.requests());
    ASSERT_GT(requests, 50);
    EXPECT_EQ(
        prometheus_->WaitForValue(
            total, [requests](double value) { return value == requests; }),
        requests)
        << total << ": " << prometheus_->last_error();
    const double p95 =
        static_cast<double>(report.metrics.total.latency.Percentile(95)) / 1e9;
    EXPECT_GT(p95, 0.02);
    EXPECT_TRUE(test_support::HistogramQuantileWithinBound(
        *prometheus_, 0.95, "loadgate_latency_seconds_bucket" + selector, p95));
  }

  static inline std::unique_ptr<LiveServer> live_;
  static inline std::unique_ptr<test_support::PushgatewayServer> gateway_;
  static inline std::unique_ptr<test_support::PrometheusServer> prometheus_;
  test_support::TestServer server_;
};

TEST_F(PrometheusScrapeTest, ScrapedLiveRunAgreesWithTheReport) {
  const Scenario scenario = Slow();
  OpenModel model;
  model.rate = 50;
  RunOptions options = test_support::ShortRun(3s);
  options.on_progress = live_->ProgressCallback();
  live_->BeginRun("checkout", model, scenario, options.duration);
  std::atomic<bool> running{true};
  RunReport report;
  std::thread run([&] {
    report = loadgate::Run(scenario, model, options);
    running.store(false);
  });
  // Seen while the run goes on, from the live counters.
  const std::optional<double> during = prometheus_->WaitForValue(
      "loadgate_run_requests_total{scenario=\"checkout\"}",
      [](double value) { return value > 0; }, 20s);
  const bool seen_while_running = running.load();
  run.join();
  live_->EndRun(report);
  ASSERT_TRUE(during.has_value())
      << prometheus_->last_error() << prometheus_->Log();
  EXPECT_TRUE(seen_while_running);

  ExpectPromQlAgrees(report,
                     "sum(loadgate_requests_total{scenario=\"checkout\"})",
                     "{scenario=\"checkout\"}");
  EXPECT_EQ(
      prometheus_->Query("loadgate_run_requests_total{scenario=\"checkout\"}"),
      static_cast<double>(report.requests()));
}

TEST_F(PrometheusScrapeTest, PushedRunAgreesWithTheReport) {
  const Scenario scenario = Slow();
  OpenModel model;
  model.rate = 50;
  RunOptions options = test_support::ShortRun(2s);
  std::ostringstream log;
  RunReport report;
  {
    prometheus::Pusher pusher({.url = gateway_->url(), .interval = 500ms}, log);
    pusher.BeginRun("Suite.Push/0", model);
    options.on_progress = pusher.ProgressCallback();
    report = loadgate::Run(scenario, model, options);
    pusher.EndRun(report);
  }  // the final push
  EXPECT_EQ(log.str(), "");
  const std::string selector = "{job=\"loadgate\",scenario=\"Suite.Push/0\"}";
  ExpectPromQlAgrees(report, "sum(loadgate_requests_total" + selector + ")",
                     selector);
  EXPECT_EQ(prometheus_->Query("loadgate_run_requests_total" + selector),
            static_cast<double>(report.requests()));
}

// A streaming run against the mock LLM, scraped live; then every panel
// query returns data over the last minute, as a panel asks.
TEST_F(PrometheusScrapeTest, EveryDashboardQueryReturnsData) {
  const std::vector<std::string> queries = DashboardQueries("dashboard");
  ASSERT_GE(queries.size(), 10u);
  test_support::ServiceProcess mock(
      {std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm", "--port=0",
       "--threads=1", "--ttft-ms=20", "--itl-ms=2", "--output-tokens=8"});
  Scenario scenario = test_support::OneRequest(
      mock.url(),
      Request{.name = "chat",
              .method = "POST",
              .url = "/v1/chat/completions",
              .headers = {{"Content-Type", "application/json"}},
              .body = R"({"model":"m","stream":true,)"
                      R"("messages":[{"role":"user","content":"hi"}]})"});
  OpenModel model;
  model.rate = 20;
  RunOptions options = test_support::ShortRun(3s);
  options.prices = {.input_per_million = 1, .output_per_million = 2};
  options.on_progress = live_->ProgressCallback();
  live_->BeginRun("dashboard", model, scenario, options.duration);
  const RunReport report = loadgate::Run(scenario, model, options);
  live_->EndRun(report);
  ASSERT_GT(report.metrics.total.ttft.count(), 0u) << "the run did not stream";

  // The finished run's families need a couple of scrapes for rate().
  std::vector<std::string> empty = queries;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!empty.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    std::erase_if(empty, [](const std::string& query) {
      return prometheus_->CountRangeSeries(query, 60s) > 0;
    });
  }
  for (const std::string& query : empty) {
    ADD_FAILURE() << "no data: " << query << " " << prometheus_->last_error();
  }
}

}  // namespace
}  // namespace loadgate
