// Coordinated omission, demonstrated against a local server that stalls
// once for a second in the middle of the run.
//
// A closed-loop tester (wrk with one connection, or one virtual user) waits
// for each response before sending the next request, so while the server is
// stalled it simply does not send: the stall costs one slow sample, and the
// percentiles look healthy although every user arriving in that second would
// have waited. An open model schedules arrivals on the clock instead; with
// max_in_flight = 1 arrivals queue behind the stalled request (as they would
// behind wrk's single connection), and measuring latency from each arrival's
// intended time charges the queueing to the percentiles where it belongs.
// The service time (actual send to last byte) is what a coordinated tester
// reports, and it hides the stall; the send lag shows the queue.
#include <gtest/gtest.h>

#include <chrono>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::IsConsistent;
using test_support::TestServer;

constexpr int64_t kMs = 1'000'000;

Scenario Get(const TestServer& server) {
  return test_support::OneRequest(server.base_url(),
                                  {.name = "get", .url = "/ok"});
}

RunOptions Options() { return test_support::ShortRun(4s, 1, 3s); }

TEST(CoordinatedOmissionTest, OpenModelChargesTheStallToLatency) {
  TestServer server;
  server.Handle("/ok", test_support::Respond(200, "ok"));
  // Request 150 arrives about 1.5 s into the run; the server then answers
  // nothing for a second.
  server.StallOnce(150, 1s);

  RunReport report = loadgate::Run(
      Get(server), OpenModel{.rate = 100, .max_in_flight = 1}, Options());

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  EXPECT_EQ(report.errors(), 0u);
  // The arrivals queued during the stall are still sent: none are dropped.
  EXPECT_GE(report.requests(), 380u);
  // About 100 of ~400 arrivals waited between 0 and 1 s behind the stall,
  // so the slowest 1 % waited most of the second.
  EXPECT_GE(total.latency.Percentile(99), 500 * kMs);
  EXPECT_GE(total.latency.max(), 900 * kMs);
  // Once sent, every request but the stalled one was answered quickly.
  EXPECT_LT(total.service_time.Percentile(99), 200 * kMs);
  EXPECT_GE(total.service_time.max(), 900 * kMs);
  // The queue: most requests left on time, those behind the stall late.
  EXPECT_LT(total.send_lag.Percentile(50), 50 * kMs);
  EXPECT_GE(total.send_lag.Percentile(99), 500 * kMs);
}

// The same stall under a closed loop at a similar pace: latency equals
// service time, and the stall is a single outlier that p99 does not see.
// This is the measurement the open model exists to correct.
TEST(CoordinatedOmissionTest, ClosedLoopHidesTheStall) {
  TestServer server;
  server.Handle("/ok", test_support::Respond(200, "ok"));
  server.StallOnce(150, 1s);

  RunReport report = loadgate::Run(
      Get(server), ClosedModel{.users = 1, .think = ThinkTime::Constant(10ms)},
      Options());

  ASSERT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_GE(report.requests(), 150u);
  // Fewer requests than the open model's ~400: none were sent in the stall.
  EXPECT_LT(report.requests(), 330u);
  EXPECT_GE(total.latency.max(), 900 * kMs);
  EXPECT_LT(total.latency.Percentile(99), 200 * kMs);
}

}  // namespace
}  // namespace loadgate
