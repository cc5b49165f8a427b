// The service's load test: 50 requests/s for two seconds against the hello
// server (hello_server.h), which the test starts on 127.0.0.1 itself.
#include <loadgate/loadgate.h>

#include "hello_server.h"

using namespace std::chrono_literals;
using ::testing::Lt;

class HelloLoad : public loadgate::LoadTest {};

TEST_F(HelloLoad, AnswersFast) {
  HelloServer server;
  loadgate::Scenario scenario;
  scenario.base_url = server.base_url();
  scenario.Add({.name = "GET /hello", .url = "/hello"});

  loadgate::RunReport report =
      RunLoad(scenario, loadgate::OpenModel{.rate = 50}, {.duration = 2s});
  EXPECT_SLO(report,
             loadgate::LatencyPercentile(
                 95, Lt(std::chrono::milliseconds(HELLO_P95_LIMIT_MS))));
  EXPECT_SLO(report, loadgate::ErrorRate(Lt(0.01)));
}
