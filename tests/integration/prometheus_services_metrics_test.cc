// The services under test's /metrics, read as Prometheus reads them: they
// pass `promtool check metrics`, and their latency histograms use
// loadgate's bucket table (so histogram_quantile over a service's TTFT and
// over loadgate's agree within the bound of prometheus/buckets.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "prometheus/buckets.h"
#include "support/mock_llm_http_client.h"
#include "support/prometheus_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::ServiceProcess;

// The `le` labels of `histogram`'s series with `labels` ("" or `route="x"`).
std::vector<std::string> LeLabels(const std::string& metrics,
                                  const std::string& histogram,
                                  const std::string& labels) {
  std::vector<std::string> bounds;
  std::istringstream lines(metrics);
  const std::string prefix =
      histogram + "_bucket{" + labels + (labels.empty() ? "" : ",") + "le=\"";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    bounds.push_back(line.substr(
        prefix.size(), line.find('"', prefix.size()) - prefix.size()));
  }
  return bounds;
}

std::vector<std::string> LoadgateLeLabels() {
  std::vector<std::string> bounds;
  for (size_t i = 0; i <= prometheus::kBucketCount; ++i) {
    bounds.push_back(prometheus::LeLabel(i));
  }
  return bounds;
}

std::string Metrics(int port) {
  const mock_llm_test::HttpResponse response =
      mock_llm_test::Fetch(port, "GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  return response.body;
}

TEST(PrometheusServicesMetricsTest, MockLlmPassesPromtoolOnLoadgateBuckets) {
  if (const std::string missing = test_support::PrometheusMissing();
      !missing.empty()) {
    GTEST_SKIP() << missing;
  }
  ServiceProcess mock({std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm",
                       "--port=0", "--threads=1", "--ttft-ms=50", "--itl-ms=1",
                       "--output-tokens=4"});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        mock_llm_test::Fetch(
            mock.port(), "POST", "/v1/chat/completions",
            R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})",
            {{"Content-Type", "application/json"}})
            .status,
        200);
  }
  const std::string metrics = Metrics(mock.port());
  EXPECT_EQ(test_support::PromtoolCheckMetrics(metrics), "") << metrics;
  EXPECT_EQ(LeLabels(metrics, "mock_llm_time_to_first_token_seconds", ""),
            LoadgateLeLabels());
  EXPECT_EQ(test_support::SampleValue(
                metrics, "mock_llm_time_to_first_token_seconds_count"),
            3);
}

TEST(PrometheusServicesMetricsTest, SampleAppPassesPromtoolOnLoadgateBuckets) {
  if (const std::string missing = test_support::PrometheusMissing();
      !missing.empty()) {
    GTEST_SKIP() << missing;
  }
  test_support::TempDir dir;
  ServiceProcess app({std::string(LOADGATE_BINARY_DIR) + "/bin/sample-app",
                      "--port=0", "--threads=1",
                      "--db=sqlite:" + (dir.path() / "app.db").string(),
                      "--patients=5", "--llm-url=http://127.0.0.1:1"});
  ASSERT_EQ(mock_llm_test::Fetch(app.port(), "GET", "/health").status, 200);
  ASSERT_EQ(mock_llm_test::Fetch(app.port(), "GET", "/patients").status, 200);
  const std::string metrics = Metrics(app.port());
  EXPECT_EQ(test_support::PromtoolCheckMetrics(metrics), "") << metrics;
  EXPECT_EQ(
      LeLabels(metrics, "app_request_duration_seconds", "route=\"/health\""),
      LoadgateLeLabels());
  EXPECT_EQ(LeLabels(metrics, "app_llm_call_duration_seconds", ""),
            LoadgateLeLabels());
  // Routes nobody asked for have no latency series.
  EXPECT_EQ(
      metrics.find("app_request_duration_seconds_count{route=\"/claims\"}"),
      std::string::npos);
}

}  // namespace
}  // namespace loadgate
