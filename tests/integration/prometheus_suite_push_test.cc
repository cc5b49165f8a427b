// LOADGATE_PUSHGATEWAY in a GoogleTest load suite: every test's run is
// pushed to a real Pushgateway as its own scenario group, named after the
// test, with the report's request count. Its own test program, because the
// pusher lives as long as the program does.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "loadgate/testing.h"
#include "support/mock_llm_http_client.h"
#include "support/prometheus_server.h"
#include "support/short_run.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;

class PrometheusSuitePushTest : public LoadTest {
 protected:
  static void SetUpTestSuite() {
    if (test_support::PushgatewayMissing().empty()) {
      gateway_ = std::make_unique<test_support::PushgatewayServer>();
    }
  }
  // The program's last push goes to a gateway that is gone by then: one
  // logged failure, no effect on the tests.
  static void TearDownTestSuite() { gateway_.reset(); }

  void SetUp() override {
    if (!gateway_) GTEST_SKIP() << test_support::PushgatewayMissing();
    setenv("LOADGATE_PUSHGATEWAY", gateway_->url().c_str(), 1);
    setenv("LOADGATE_DURATION", "1s", 1);
    setenv("LOADGATE_REPORT_DIR", reports_.path().c_str(), 1);
    server_.Handle("/ok", test_support::Respond(200, "ok"));
  }
  void TearDown() override {
    unsetenv("LOADGATE_PUSHGATEWAY");
    unsetenv("LOADGATE_DURATION");
    unsetenv("LOADGATE_REPORT_DIR");
  }

  // Runs a second at 30 req/s and waits for its group on the gateway: the
  // scenario is the test's name, then the scenario's own (OneRequest names
  // it after the test too).
  void RunAndExpectPushed(const std::string& test_name) {
    OpenModel model;
    model.rate = 30;
    const RunReport report = RunLoad(
        test_support::OneRequest(server_.base_url(), Request{.url = "/ok"}),
        model, RunOptions{});
    ASSERT_GT(report.requests(), 0u);
    const std::string series =
        "loadgate_run_requests_total{instance=\"\",job=\"loadgate\","
        "scenario=\"PrometheusSuitePushTest." +
        test_name + " (" + test_name + ")\"}";
    std::optional<double> pushed;
    std::string metrics;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      metrics = mock_llm_test::Fetch(gateway_->port(), "GET", "/metrics").body;
      pushed = test_support::SampleValue(metrics, series);
      if (pushed) break;
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(pushed, static_cast<double>(report.requests())) << series << "\n"
                                                              << metrics;
  }

  static inline std::unique_ptr<test_support::PushgatewayServer> gateway_;
  test_support::TestServer server_;
  test_support::TempDir reports_;
};

TEST_F(PrometheusSuitePushTest, First) { RunAndExpectPushed("First"); }

TEST_F(PrometheusSuitePushTest, Second) { RunAndExpectPushed("Second"); }

}  // namespace
}  // namespace loadgate
