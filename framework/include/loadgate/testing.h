// GoogleTest integration: a fixture that runs a load scenario and leaves its
// results everywhere CI looks (JUnit properties, a JSON report, stdout), and
// the naming of suites parameterised over load presets (preset.h).
//
//   class ChatLoad : public loadgate::PresetLoadTest {};
//   TEST_P(ChatLoad, StaysFast) {
//     const loadgate::Preset& preset = GetParam();
//     loadgate::Scenario scenario;
//     scenario.base_url = "http://127.0.0.1:8080";
//     scenario.Add({.name = "GET /health", .url = "/health"});
//     const loadgate::RunReport report = RunLoad(
//         scenario, preset.Open(), {.duration = preset.duration});
//     EXPECT_SLO(report, loadgate::LatencyPercentile(95, ::testing::Lt(3s)));
//   }
//   INSTANTIATE_TEST_SUITE_P(Presets, ChatLoad,
//                            ::testing::ValuesIn(loadgate::StandardPresets()),
//                            loadgate::PresetName());
//   // -> Presets/ChatLoad.StaysFast/rps_10, .../rps_100, .../rps_1000
//
// With LOADGATE_DURATION set, RunLoad runs that long instead; the rps_10
// case's JSON report is Presets_ChatLoad.StaysFast_rps_10.json in
// $LOADGATE_REPORT_DIR (see LoadTest).
#ifndef LOADGATE_TESTING_H_
#define LOADGATE_TESTING_H_

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/preset.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"

namespace loadgate {

// Names parameterised tests after their preset: the 4th argument of
// INSTANTIATE_TEST_SUITE_P. Characters GoogleTest does not allow in a name
// become '_'.
struct PresetName {
  std::string operator()(const ::testing::TestParamInfo<Preset>& info) const;
};

// A fixture for load tests. RunLoad() runs the scenario and reports it:
//  - LOADGATE_DURATION ("3s", "500ms", "2m") overrides options.duration, so
//    CI can run every suite briefly;
//  - LOADGATE_SHARD ("2/4") runs shard 2 of the test split into 4 (see
//    RunOptions::shard), from LOADGATE_START_AT (Unix seconds or RFC 3339)
//    when set: each EXPECT_SLO then records its objective, judged on this
//    shard's part, in the report for `loadgate merge` to judge on the whole
//    test, and does not fail the test (an objective the merge cannot judge,
//    anything but one Lt/Le/Gt/Ge of one metric, does);
//  - SIGINT/SIGTERM stop the run gracefully, and its partial report is
//    still written and returned; the test then fails (SLOs judged on part of
//    a run mean nothing) and the tests after it are skipped;
//  - every summary figure is recorded with RecordProperty as
//    loadgate.<figure> (loadgate.requests, loadgate.error_rate,
//    loadgate.latency_ms.p95, ...), so it lands in the JUnit XML;
//  - the JSON report goes to $LOADGATE_REPORT_DIR/<Suite>.<Test>.json
//    (default ./reports, relative to the working directory; ctest runs tests
//    in the build directory), '/' in names becoming '_', with Locust's stats
//    CSV beside it (<Suite>.<Test>.csv);
//  - the plain summary is printed to stdout;
//  - LOADGATE_LIVE ("8089", "127.0.0.1:8089", "[::1]:0"; loopback only, see
//    live.h) serves a live web view of every run of the test program: the
//    first RunLoad starts it and prints "live view: http://127.0.0.1:8089/"
//    once, each run's progress goes to it (and to any on_progress the
//    caller set), and LOADGATE_LIVE_LINGER ("30s") keeps it up that long
//    after the last test (Ctrl-C ends that early). A view that cannot start
//    fails the first test that tried, once; the runs go on without it.
class LoadTest : public ::testing::Test {
 protected:
  // Skips the test once a run of this binary was interrupted (a fixture
  // that overrides SetUp() calls this one first).
  void SetUp() override;

  RunReport RunLoad(const Scenario& scenario, const LoadModel& model,
                    RunOptions options = {});

  // Where RunLoad() writes this test's JSON report.
  static std::filesystem::path ReportPath();

  // What RunLoad() does with a finished run (names it after `path` if it has
  // no name, writes the JSON report there and the CSV beside it, records the
  // loadgate.* properties, prints the summary), for a run the test started
  // with Run() itself, e.g. one of several or one beside a chaos action.
  static void ReportRun(RunReport& report, const std::filesystem::path& path);
};

// How long RunLoad() runs a scenario configured for `configured`:
// LOADGATE_DURATION when set, else `configured`. Runs a test starts with
// Run() itself use it to shorten in CI the same way.
std::chrono::nanoseconds LoadDuration(std::chrono::nanoseconds configured);

// The JSON report at `path` (creating its folder) and Locust's stats CSV
// beside it (same name, .csv), as RunLoad() leaves them; a failure to write
// is a test failure (ADD_FAILURE naming the file). Returns whether the JSON
// report was written.
bool WriteReportFiles(const RunReport& report,
                      const std::filesystem::path& path);

template <class P>
class LoadTestWithParam : public LoadTest,
                          public ::testing::WithParamInterface<P> {};

using PresetLoadTest = LoadTestWithParam<Preset>;

}  // namespace loadgate

#endif  // LOADGATE_TESTING_H_
