// deploy/grafana/loadgate.json against a real Prometheus: every query of
// every panel, with its variables set as Grafana would, returns data over
// the last minute (as a panel asks) after a streaming run against the mock
// LLM that Prometheus scraped from the live /metrics. Skipped, saying why,
// where Prometheus is not installed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "support/prometheus_server.h"
#include "support/service_process.h"
#include "support/short_run.h"

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

TEST(PrometheusGrafanaDashboardTest, EveryPanelQueryReturnsData) {
  if (const std::string missing = test_support::PrometheusMissing();
      !missing.empty()) {
    GTEST_SKIP() << missing;
  }
  const std::vector<std::string> queries = DashboardQueries("dashboard");
  ASSERT_GE(queries.size(), 10u);
  test_support::ServiceProcess mock(
      {std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm", "--port=0",
       "--threads=1", "--ttft-ms=20", "--itl-ms=2", "--output-tokens=8"});
  LiveServer live("127.0.0.1:0");
  test_support::PrometheusServer prometheus(
      {"127.0.0.1:" + std::to_string(live.port())});

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
  options.on_progress = live.ProgressCallback();
  live.BeginRun("dashboard", model, scenario, options.duration);
  const RunReport report = loadgate::Run(scenario, model, options);
  live.EndRun(report);
  ASSERT_GT(report.metrics.total.ttft.count(), 0u) << "the run did not stream";

  // The finished run's families need a couple of scrapes for rate().
  std::vector<std::string> empty = queries;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!empty.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    std::erase_if(empty, [&prometheus](const std::string& query) {
      return prometheus.CountRangeSeries(query, 60s) > 0;
    });
  }
  for (const std::string& query : empty) {
    ADD_FAILURE() << "no data: " << query << " " << prometheus.last_error();
  }
}

}  // namespace
}  // namespace loadgate
