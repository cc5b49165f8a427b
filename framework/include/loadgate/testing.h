// GoogleTest integration: a fixture that runs a load scenario and leaves its
// results everywhere CI looks (JUnit properties, a JSON report, stdout), and
// load presets to parameterise suites over.
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
#include <ostream>
#include <string>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"

namespace loadgate {

// A named amount of load. `rps` drives open models, `users`/`spawn_rate`
// closed ones; `host` is the base URL when a suite does not bring its own.
struct Preset {
  std::string name;  // "rps_100": the suffix of the test name
  double rps = 0;
  int users = 0;
  double spawn_rate = 0;  // users started per second
  std::chrono::nanoseconds duration{0};
  std::string host;

  // Constant arrivals at `rps`.
  OpenModel Open() const;
  // `users` virtual users started at `spawn_rate`, thinking `think` between
  // iterations.
  ClosedModel Closed(ThinkTime think = ThinkTime::None()) const;
};

// "rps_100 (100 req/s, 100 users at 50/s, 10000 ms)", followed by the host
// when there is one, instead of GoogleTest's bytes.
void PrintTo(const Preset& preset, std::ostream* os);

// Names parameterised tests after their preset: the 4th argument of
// INSTANTIATE_TEST_SUITE_P. Characters GoogleTest does not allow in a name
// become '_'.
struct PresetName {
  std::string operator()(const ::testing::TestParamInfo<Preset>& info) const;
};

// rps_10, rps_100, rps_1000: 10 s each, users equal to the rate and spawned
// over about two seconds. Users = rate follows Locust's convention of one
// request per user per second (1 s think time), so a closed run of the
// preset offers roughly the load of the open one. LOADGATE_DURATION (see
// LoadTest) shortens them in CI.
std::vector<Preset> StandardPresets();

// A fixture for load tests. RunLoad() runs the scenario and reports it:
//  - LOADGATE_DURATION ("3s", "500ms", "2m") overrides options.duration, so
//    CI can run every suite briefly;
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
