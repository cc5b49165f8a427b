// Load models and the ways a run ends: the open model's achieved rate, the
// closed model's iteration counts and think time, the request cap, safety
// limits and an interruption from another thread.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ErrorsOf;
using test_support::IsConsistent;
using test_support::ShortRun;
using test_support::TestServer;
using Clock = std::chrono::steady_clock;
using ::testing::MatchesRegex;

constexpr int64_t kSecond = 1'000'000'000;

Scenario Get(const TestServer& server, std::string path = "/ok") {
  return test_support::OneRequest(server.base_url(),
                                  {.name = "get", .url = std::move(path)});
}

class EngineLoadModelTest : public ::testing::Test {
 protected:
  EngineLoadModelTest() {
    server_.Handle("/ok", test_support::Respond(200, "ok"));
    server_.Handle("/fail", test_support::Respond(500, "broken"));
  }
  TestServer server_;
};

TEST_F(EngineLoadModelTest, OpenModelAchievesTheTargetRate) {
  RunReport report =
      loadgate::Run(Get(server_), OpenModel{.rate = 200}, ShortRun(3s));

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_DOUBLE_EQ(report.info.target_rps, 200);
  // 600 arrivals in 3 s; 5 % either way.
  EXPECT_NEAR(static_cast<double>(report.requests()), 600, 30);
  EXPECT_NEAR(report.achieved_rps(), 200, 10);
  EXPECT_EQ(report.metrics.total.send_lag.count(), report.requests());
  EXPECT_GE(server_.requests(), report.requests());
}

TEST_F(EngineLoadModelTest, PoissonArrivalsAverageTheRate) {
  RunReport report = loadgate::Run(
      Get(server_),
      OpenModel{.rate = 200, .arrivals = OpenModel::Arrivals::kPoisson},
      ShortRun(3s));

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  // Poisson(600) has a standard deviation of about 24.5; 15 % is ~3.7 sigma.
  EXPECT_NEAR(static_cast<double>(report.requests()), 600, 90);
}

TEST_F(EngineLoadModelTest, RampingRateFollowsItsStages) {
  // 50 -> 150 req/s over 2 s: the area under the ramp is 200 arrivals.
  RunReport report = loadgate::Run(
      Get(server_),
      OpenModel{.rate = 50, .stages = {{.duration = 2s, .target_rps = 150}}},
      ShortRun(2s));

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_NEAR(static_cast<double>(report.requests()), 200, 20);
  // A rising ramp: about 75 arrivals in the first second, 125 in the next.
  uint64_t per_second[2] = {0, 0};
  for (const TimeSlot& slot : report.metrics.series) {
    if (slot.second == 0 || slot.second == 1) {
      per_second[slot.second] = slot.requests;
    }
  }
  EXPECT_LT(per_second[0] + 25, per_second[1]);
}

TEST_F(EngineLoadModelTest, ClosedModelRunsExactlyItsIterations) {
  Clock::time_point start = Clock::now();
  RunReport report = loadgate::Run(
      Get(server_), ClosedModel{.users = 3, .iterations_per_user = 7},
      ShortRun(20s));
  auto wall = Clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 21u);
  EXPECT_EQ(server_.requests(), 21u);
  EXPECT_EQ(report.info.users, 3);
  // Done when the iterations are, not at the 20 s duration.
  EXPECT_LT(wall, 5s);
}

TEST_F(EngineLoadModelTest, ThinkTimePacesEachUser) {
  RunReport report = loadgate::Run(
      Get(server_),
      ClosedModel{.users = 2, .think = ThinkTime::Constant(100ms)},
      ShortRun(1s));

  ASSERT_TRUE(IsConsistent(report));
  // At most one request per 100 ms per user (plus the first).
  EXPECT_LE(report.requests(), 22u);
  EXPECT_GE(report.requests(), 8u);
}

TEST_F(EngineLoadModelTest, MaxRequestsCapsTheRun) {
  RunOptions options = ShortRun(20s);
  options.max_requests = 50;
  Clock::time_point start = Clock::now();
  RunReport report =
      loadgate::Run(Get(server_), ClosedModel{.users = 4}, options);
  auto wall = Clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_GE(report.requests(), 50u);
  // Requests already in flight at the cap may complete: one per user.
  EXPECT_LE(report.requests(), 54u);
  EXPECT_LE(server_.requests(), 54u);
  EXPECT_LT(wall, 5s);
}

TEST_F(EngineLoadModelTest, MaxErrorRateStopsTheRunEarly) {
  RunOptions options = ShortRun(20s);
  options.limits.max_error_rate = 0.5;
  options.limits.error_window = 1s;
  options.limits.min_requests_in_window = 20;
  Clock::time_point start = Clock::now();
  RunReport report =
      loadgate::Run(Get(server_, "/fail"), OpenModel{.rate = 100}, options);
  auto wall = Clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_THAT(
      report.info.stop_reason,
      MatchesRegex(R"(max error rate [0-9]+\.[0-9] % over 1 s > 50 %)"));
  EXPECT_GE(report.requests(), 20u);
  EXPECT_GT(report.error_rate(), 0.5);
  EXPECT_LT(report.info.actual_duration_ns, 5 * kSecond);
  EXPECT_LT(wall, 7s);
}

TEST_F(EngineLoadModelTest, MaxErrorRateIgnoresTooFewRequests) {
  RunOptions options = ShortRun(1s);
  options.limits.max_error_rate = 0.5;
  options.limits.error_window = 1s;
  options.limits.min_requests_in_window = 1000;

  RunReport report =
      loadgate::Run(Get(server_, "/fail"), OpenModel{.rate = 50}, options);

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.info.stop_reason, "");
  EXPECT_EQ(report.error_rate(), 1.0);
}

TEST_F(EngineLoadModelTest, MaxDurationIsAHardStop) {
  RunOptions options = ShortRun(20s);
  options.limits.max_duration = 500ms;
  Clock::time_point start = Clock::now();
  RunReport report =
      loadgate::Run(Get(server_), OpenModel{.rate = 100}, options);
  auto wall = Clock::now() - start;

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.info.stop_reason, "max duration 500 ms reached");
  EXPECT_GT(report.requests(), 0u);
  EXPECT_LT(wall, 4s);
}

TEST_F(EngineLoadModelTest, RequestStopInterruptsAndTheReportIsComplete) {
  std::thread interrupter([this] {
    // Waits for the run to be under way, so the request cannot land before
    // the run starts.
    for (int i = 0; i < 500 && server_.requests() < 20; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    RequestStop();
  });
  Clock::time_point start = Clock::now();
  RunReport report =
      loadgate::Run(Get(server_), OpenModel{.rate = 100}, ShortRun(20s));
  auto wall = Clock::now() - start;
  interrupter.join();

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.info.stop_reason, "interrupted");
  EXPECT_GE(report.requests(), 15u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_LT(report.info.actual_duration_ns, 10 * kSecond);
  EXPECT_LT(wall, 12s);

  // The stop was for that run only: the next one runs to its end.
  RunReport next =
      loadgate::Run(Get(server_), OpenModel{.rate = 100}, ShortRun(500ms));
  EXPECT_EQ(next.info.stop_reason, "");
  EXPECT_GE(next.info.actual_duration_ns, kSecond * 4 / 10);
  EXPECT_GT(next.requests(), 20u);
}

TEST_F(EngineLoadModelTest, IterationsAreExactAcrossThreads) {
  RunOptions options = ShortRun(20s);
  options.threads = 2;
  RunReport report = loadgate::Run(
      Get(server_), ClosedModel{.users = 4, .iterations_per_user = 5}, options);

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 20u);
  EXPECT_EQ(server_.requests(), 20u);
}

TEST_F(EngineLoadModelTest, OpenModelRateHoldsWithSeveralThreads) {
  RunOptions options = ShortRun(2s);
  options.threads = 2;
  RunReport report =
      loadgate::Run(Get(server_), OpenModel{.rate = 300}, options);

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_NEAR(static_cast<double>(report.requests()), 600, 30);
}

// In-flight requests get `graceful_stop` to finish after the duration;
// those still open then are abandoned and counted as timeouts.
TEST_F(EngineLoadModelTest, GracefulStopBoundsTheWaitForInFlightRequests) {
  server_.Handle("/slow", test_support::Delayed(
                              1500ms, test_support::Respond(200, "late")));

  RunOptions abandon = ShortRun(500ms);
  abandon.graceful_stop = 200ms;
  Clock::time_point start = Clock::now();
  RunReport abandoned =
      loadgate::Run(Get(server_, "/slow"), ClosedModel{.users = 2}, abandon);
  auto wall = Clock::now() - start;
  ASSERT_TRUE(IsConsistent(abandoned));
  EXPECT_EQ(abandoned.requests(), 2u);
  EXPECT_EQ(ErrorsOf(abandoned.metrics.total, ErrorKind::kTimeout), 2u);
  // Each waited from its send to the abandon at 500 + 200 ms.
  EXPECT_GE(abandoned.metrics.total.latency.min(), 690'000'000);
  EXPECT_LT(wall, 1400ms);

  RunOptions wait = ShortRun(500ms);
  wait.graceful_stop = 5s;
  RunReport waited =
      loadgate::Run(Get(server_, "/slow"), ClosedModel{.users = 2}, wait);
  ASSERT_TRUE(IsConsistent(waited));
  EXPECT_EQ(waited.requests(), 2u);
  EXPECT_EQ(waited.errors(), 0u);
}

TEST_F(EngineLoadModelTest, ReportsProgressAboutOnceASecond) {
  std::vector<Progress> updates;
  std::mutex mutex;
  RunOptions options = ShortRun(2500ms);
  options.on_progress = [&](const Progress& progress) {
    std::lock_guard lock(mutex);
    updates.push_back(progress);
  };
  RunReport report =
      loadgate::Run(Get(server_), OpenModel{.rate = 100}, options);

  std::lock_guard lock(mutex);
  ASSERT_GE(updates.size(), 2u);
  EXPECT_LE(updates.size(), 4u);
  for (size_t i = 1; i < updates.size(); ++i) {
    EXPECT_GT(updates[i].elapsed, updates[i - 1].elapsed);
    EXPECT_GE(updates[i].requests, updates[i - 1].requests);
  }
  EXPECT_GT(updates.back().requests, 0u);
  EXPECT_LE(updates.back().requests, report.requests());
  EXPECT_EQ(updates.back().errors, 0u);
}

TEST_F(EngineLoadModelTest, RejectsAnUnusableModel) {
  EXPECT_THROW(loadgate::Run(Get(server_), OpenModel{.rate = -1}, ShortRun(1s)),
               std::invalid_argument);
  // Arrivals closer than a nanosecond could never be worked through.
  EXPECT_THROW(
      loadgate::Run(Get(server_), OpenModel{.rate = 1e300}, ShortRun(1s)),
      std::invalid_argument);
  EXPECT_THROW(
      loadgate::Run(Get(server_),
                    OpenModel{.stages = {{.duration = 1s, .target_rps = 2e7}}},
                    ShortRun(1s)),
      std::invalid_argument);
  EXPECT_THROW(
      loadgate::Run(Get(server_), ClosedModel{.users = 0}, ShortRun(1s)),
      std::invalid_argument);
}

}  // namespace
}  // namespace loadgate
