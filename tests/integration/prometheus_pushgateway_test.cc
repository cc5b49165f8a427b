// Pushing to a real Pushgateway (Debian's package, on a loopback port): a
// run's figures arrive under job/scenario as soon as it ends,
// --push-delete removes the group, `loadgate run --pushgateway` pushes too,
// and a Pushgateway that is down changes nothing about the run (PromQL over
// a pushed run: prometheus_scrape_test.cc). Skipped, saying why, where the
// package is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "loadgate/engine.h"
#include "loadgate/report.h"
#include "prometheus/pushgateway.h"
#include "support/mock_llm_http_client.h"
#include "support/prometheus_server.h"
#include "support/run_command.h"
#include "support/short_run.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/text.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::SampleValue;
using ::testing::HasSubstr;
using ::testing::Not;

class PrometheusPushgatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = test_support::PushgatewayMissing();
        !missing.empty()) {
      GTEST_SKIP() << missing;
    }
    server_.Handle("/slow", test_support::Delayed(
                                20ms, test_support::Respond(200, "slow")));
  }

  // A 2 s run at 50 req/s, pushed (when `pusher` is set) as `name`.
  RunReport RunPushedAs(const std::string& name, prometheus::Pusher* pusher) {
    const Scenario scenario = test_support::OneRequest(
        server_.base_url(), Request{.name = "slow", .url = "/slow"});
    OpenModel model;
    model.rate = 50;
    RunOptions options = test_support::ShortRun(2s);
    if (pusher != nullptr) {
      pusher->BeginRun(name, model);
      options.on_progress = pusher->ProgressCallback();
    }
    RunReport report = loadgate::Run(scenario, model, options);
    if (pusher != nullptr) pusher->EndRun(report);
    return report;
  }

  static std::string GatewayMetrics(const test_support::PushgatewayServer& gw) {
    return mock_llm_test::Fetch(gw.port(), "GET", "/metrics").body;
  }

  test_support::TestServer server_;
};

TEST_F(PrometheusPushgatewayTest, PushDeleteRemovesTheGroupAtTheEnd) {
  test_support::PushgatewayServer gateway;
  std::ostringstream log;
  {
    prometheus::Pusher pusher(
        {.url = gateway.url(), .interval = 5s, .delete_at_end = true}, log);
    const RunReport report = RunPushedAs("deleted", &pusher);
    // The end of the run is pushed right away, not 5 s later.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!SampleValue(GatewayMetrics(gateway),
                        "loadgate_run_requests_total{instance=\"\",job="
                        "\"loadgate\",scenario=\"deleted\"}") &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(SampleValue(GatewayMetrics(gateway),
                          "loadgate_run_requests_total{instance=\"\",job="
                          "\"loadgate\",scenario=\"deleted\"}"),
              static_cast<double>(report.requests()))
        << GatewayMetrics(gateway);
  }
  EXPECT_THAT(GatewayMetrics(gateway), Not(HasSubstr("scenario=\"deleted\"")));
  EXPECT_EQ(log.str(), "");
}

TEST_F(PrometheusPushgatewayTest, CliPushesToo) {
  test_support::PushgatewayServer gateway;
  test_support::TempDir dir;
  const std::string report_path = (dir.path() / "report.json").string();
  const test_support::CommandResult result = test_support::RunLoadgate(
      {"run", "--url", server_.base_url() + "/slow", "--rate", "20", "-d", "1s",
       "-t", "1", "-q", "--pushgateway", gateway.url(), "--push-interval",
       "500ms", "-o", report_path},
      dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream report_file(report_path);
  const RunReport report = ReadJson(report_file, report_path);
  EXPECT_EQ(SampleValue(GatewayMetrics(gateway),
                        "loadgate_run_requests_total{instance=\"\",job="
                        "\"loadgate\",scenario=\"" +
                            report.info.name + "\"}"),
            static_cast<double>(report.requests()))
      << GatewayMetrics(gateway);
}

TEST_F(PrometheusPushgatewayTest, GatewayDownChangesNothingAboutTheRun) {
  const RunReport unpushed = RunPushedAs("", nullptr);
  std::ostringstream log;
  RunReport pushed;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(test_support::FreeLoopbackPort());
  uint64_t failures = 0;
  {
    prometheus::Pusher pusher({.url = url, .interval = 200ms}, log);
    pushed = RunPushedAs("down", &pusher);
    failures = pusher.failures();
    EXPECT_EQ(pusher.successes(), 0u);
  }
  // Constant arrivals: the same count either way, all answered, on time.
  EXPECT_EQ(pushed.requests(), unpushed.requests());
  EXPECT_EQ(pushed.errors(), 0u);
  EXPECT_EQ(pushed.info.stop_reason, "");
  EXPECT_GE(failures, 2u);
  // Logged once, not at every retry.
  EXPECT_EQ(test_support::CountOccurrences(log.str(), "\n"), 1u) << log.str();
  EXPECT_THAT(log.str(), HasSubstr("retrying every 200 ms, the run goes on"));
}

}  // namespace
}  // namespace loadgate
