#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "live/history.h"
#include "support/sample_report.h"

namespace loadgate::live {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// The events of one or more SSE frames, as (event, data) pairs; fails the
// test on anything that is not "event: X\ndata: <JSON>\n\n".
std::vector<std::pair<std::string, json>> Events(const std::string& frames) {
  std::vector<std::pair<std::string, json>> events;
  size_t at = 0;
  while (at < frames.size()) {
    const size_t end = frames.find("\n\n", at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated frame: " << frames.substr(at);
      break;
    }
    const std::string frame = frames.substr(at, end - at);
    at = end + 2;
    const size_t newline = frame.find('\n');
    if (!frame.starts_with("event: ") || newline == std::string::npos ||
        frame.compare(newline + 1, 6, "data: ") != 0 ||
        frame.find('\n', newline + 1) != std::string::npos) {
      ADD_FAILURE() << "malformed frame: " << frame;
      continue;
    }
    events.emplace_back(frame.substr(7, newline - 7),
                        json::parse(frame.substr(newline + 7)));
  }
  return events;
}

RunStart OpenStart(std::string name, double rate) {
  OpenModel model;
  model.rate = rate;
  return {std::move(name), model, Describe(model), seconds(10),
          "2026-11-23T10:00:00Z"};
}

Progress At(double elapsed_s, uint64_t requests, uint64_t errors) {
  Progress progress;
  progress.elapsed =
      std::chrono::nanoseconds(static_cast<int64_t>(elapsed_s * 1e9));
  progress.requests = requests;
  progress.errors = errors;
  progress.in_flight = 7;
  progress.current_rps = 99;
  progress.p50_ns = 2'000'000;
  progress.p95_ns = 8'500'000;
  progress.p99_ns = 12'000'000;
  return progress;
}

TEST(LiveHistoryTest, SseFrameIsOneEventOfOneLineEvenForHostileText) {
  const std::string frame =
      SseFrame("run", {{"name", "a\nevent: end\ndata: {}\r\n\nz"}});
  const auto events = Events(frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "run");
  EXPECT_EQ(events[0].second["name"], "a\nevent: end\ndata: {}\r\n\nz");
}

TEST(LiveHistoryTest, ProgressPointsCarryTheFiguresAndTheTarget) {
  History history;
  auto begin = Events(history.Begin(OpenStart("checkout", 100)));
  ASSERT_EQ(begin.size(), 1u);
  EXPECT_EQ(begin[0].first, "run");
  const json& run = begin[0].second;
  EXPECT_EQ(run["id"], 1);
  EXPECT_EQ(run["name"], "checkout");
  EXPECT_EQ(run["load_model"], "constant 100 req/s");
  EXPECT_EQ(run["open"], true);
  EXPECT_DOUBLE_EQ(run["target_rps"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(run["planned_s"].get<double>(), 10);
  EXPECT_EQ(run["state"], "running");
  EXPECT_EQ(run["points"], json::array());
  EXPECT_TRUE(run["result"].is_null());

  auto first = Events(history.Add(At(1.25, 100, 2)));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].first, "progress");
  const json& point = first[0].second;
  EXPECT_EQ(point["run"], 1);
  EXPECT_DOUBLE_EQ(point["elapsed_s"].get<double>(), 1.25);
  EXPECT_EQ(point["requests"], 100);
  EXPECT_EQ(point["errors"], 2);
  EXPECT_DOUBLE_EQ(point["error_rate"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(point["errors_per_s"].get<double>(), 2 / 1.25);
  EXPECT_EQ(point["in_flight"], 7);
  EXPECT_DOUBLE_EQ(point["rps"].get<double>(), 99);
  EXPECT_DOUBLE_EQ(point["target_rps"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(point["p50_ms"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(point["p95_ms"].get<double>(), 8.5);
  EXPECT_DOUBLE_EQ(point["p99_ms"].get<double>(), 12);

  // Errors per second are over the time since the previous point.
  const json second = Events(history.Add(At(2.25, 200, 12)))[0].second;
  EXPECT_DOUBLE_EQ(second["errors_per_s"].get<double>(), 10);
  EXPECT_DOUBLE_EQ(second["error_rate"].get<double>(), 0.06);
}

TEST(LiveHistoryTest, TargetFollowsARampingModel) {
  OpenModel model;
  model.rate = 0;
  model.stages = {{seconds(10), 100}};  // 0 -> 100 req/s over 10 s
  History history;
  history.Begin({"ramp", model, Describe(model), seconds(10), "t"});
  // The second [4, 5) schedules the arrivals between A(4) = 80 and
  // A(5) = 125: 45 of them.
  const json point = Events(history.Add(At(5.1, 0, 0)))[0].second;
  EXPECT_NEAR(point["target_rps"].get<double>(), 45, 1e-9);
}

TEST(LiveHistoryTest, ClosedRunsHaveUsersInsteadOfATarget) {
  ClosedModel model;
  model.users = 25;
  History history;
  const json run = Events(history.Begin(
      {"users", model, Describe(model), seconds(3), "t"}))[0]
                       .second;
  EXPECT_EQ(run["open"], false);
  EXPECT_EQ(run["users"], 25);
  EXPECT_FALSE(run.contains("target_rps"));
  const json point = Events(history.Add(At(1, 10, 0)))[0].second;
  EXPECT_FALSE(point.contains("target_rps"));
}

TEST(LiveHistoryTest, EndCarriesTheReportsFigures) {
  History history;
  history.Begin(OpenStart("sample", 100));
  RunReport report = test_support::SampleReport();
  report.info.stop_reason = "interrupted";
  const auto events = Events(history.End(FinalFigures(report)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "end");
  const json& end = events[0].second;
  EXPECT_EQ(end["run"], 1);
  EXPECT_EQ(end["state"], "stopped");
  EXPECT_EQ(end["reason"], "interrupted");
  EXPECT_EQ(end["requests"], 1000);
  EXPECT_EQ(end["errors"], 3);
  EXPECT_DOUBLE_EQ(end["error_rate"].get<double>(), 0.003);
  EXPECT_DOUBLE_EQ(end["achieved_rps"].get<double>(), report.achieved_rps());
  EXPECT_DOUBLE_EQ(end["p95_ms"].get<double>(),
                   report.metrics.total.latency.Percentile(95) / 1e6);

  // A closed run takes no more points and cannot end twice.
  EXPECT_EQ(history.Add(At(1, 1, 0)), "");
  EXPECT_EQ(history.End(FailedRun("again")), "");
}

TEST(LiveHistoryTest, SnapshotHoldsEveryRunForALateViewer) {
  History history;
  history.Begin(OpenStart("first", 10));
  history.Add(At(1, 10, 0));
  history.End(FinalFigures(test_support::ConstantRun(5)));
  history.Begin(OpenStart("second", 20));
  history.Add(At(1, 20, 1));
  history.Add(At(2, 40, 1));

  const auto events = Events(history.Snapshot());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "snapshot");
  const json& snapshot = events[0].second;
  EXPECT_EQ(snapshot["limits"]["points_per_run"], 3600);
  ASSERT_EQ(snapshot["runs"].size(), 2u);
  const json& first = snapshot["runs"][0];
  EXPECT_EQ(first["name"], "first");
  EXPECT_EQ(first["state"], "finished");
  EXPECT_EQ(first["result"]["requests"], 1000);
  EXPECT_EQ(first["points"].size(), 1u);
  const json& second = snapshot["runs"][1];
  EXPECT_EQ(second["id"], 2);
  EXPECT_EQ(second["state"], "running");
  ASSERT_EQ(second["points"].size(), 2u);
  EXPECT_EQ(second["points"][1]["requests"], 40);
  EXPECT_FALSE(second["points"][1].contains("run"));
}

TEST(LiveHistoryTest, BeginEndsARunLeftOpen) {
  History history;
  history.Begin(OpenStart("abandoned", 10));
  const auto events = Events(history.Begin(OpenStart("next", 10)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, "end");
  EXPECT_EQ(events[0].second["run"], 1);
  EXPECT_EQ(events[0].second["state"], "failed");
  EXPECT_THAT(events[0].second["reason"].get<std::string>(),
              HasSubstr("superseded"));
  EXPECT_EQ(events[1].first, "run");
  EXPECT_EQ(events[1].second["id"], 2);
}

TEST(LiveHistoryTest, KeepsWithinItsLimits) {
  History history({.runs = 3, .points_per_run = 5, .points = 8});
  history.Begin(OpenStart("long", 10));
  for (int i = 1; i <= 7; ++i) history.Add(At(i, 10 * i, 0));
  EXPECT_EQ(history.points(), 5u);  // the last 5 of the run
  json run = Events(history.Snapshot())[0].second["runs"][0];
  EXPECT_EQ(run["points"][0]["requests"], 30);

  // 5 + 4 points > 8: the oldest run goes.
  history.End(FailedRun("x"));
  history.Begin(OpenStart("b", 10));
  for (int i = 1; i <= 4; ++i) history.Add(At(i, i, 0));
  EXPECT_EQ(history.runs(), 1u);
  EXPECT_EQ(history.points(), 4u);

  // More runs than allowed: the oldest go, the current one stays.
  for (int r = 0; r < 4; ++r) history.Begin(OpenStart("r", 10));
  EXPECT_EQ(history.runs(), 3u);
  const json runs = Events(history.Snapshot())[0].second["runs"];
  EXPECT_EQ(runs.back()["id"], 6);
}

}  // namespace
}  // namespace loadgate::live
