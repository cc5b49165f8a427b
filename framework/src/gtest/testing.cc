#include "loadgate/testing.h"

#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "gtest/report_directory.h"
#include "loadgate/config.h"
#include "loadgate/duration.h"
#include "loadgate/live.h"
#include "loadgate/objective.h"
#include "loadgate/slo.h"
#include "prometheus/pushgateway.h"

namespace loadgate {
namespace {

// Set when a run was interrupted (SIGINT/SIGTERM): the tests after it are
// skipped, so Ctrl-C ends the suite instead of one preset.
bool g_interrupted = false;

std::string Sanitized(std::string text) {
  for (char& c : text) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_';
    if (!allowed) c = '_';
  }
  return text;
}

// The live view of LOADGATE_LIVE, one for the whole test program: started by
// the first RunLoad, stopped by LiveViewCloser when the program's tests are
// done. Test bodies run one at a time on the main thread, so no lock.
bool g_live_view_tried = false;
LiveServer* g_live_view = nullptr;

// Owns the live view; at the end of the test program keeps it up for
// LOADGATE_LIVE_LINGER, then stops it.
class LiveViewCloser : public ::testing::EmptyTestEventListener {
 public:
  LiveViewCloser(std::unique_ptr<LiveServer> server,
                 std::chrono::nanoseconds linger)
      : server_(std::move(server)), linger_(linger) {}

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    if (linger_.count() > 0) {
      std::cout << "live view: " << server_->url() << " stays up for "
                << std::chrono::duration<double>(linger_).count()
                << " s (Ctrl-C ends it)" << std::endl;
      server_->Linger(linger_);
    }
    g_live_view = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<LiveServer> server_;
  std::chrono::nanoseconds linger_;
};

// LOADGATE_SHARD ("2/4"), nullopt when unset; throws std::invalid_argument
// naming the variable.
std::optional<Shard> ShardFromEnvironment() {
  const char* shard = std::getenv("LOADGATE_SHARD");
  if (shard == nullptr || *shard == '\0') return std::nullopt;
  try {
    return ParseShard(shard);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument("LOADGATE_SHARD: " + std::string(error.what()));
  }
}

// The live view, started on first use; nullptr when LOADGATE_LIVE is unset
// or the view cannot start, which fails the test that first tried, once.
LiveServer* LiveView() {
  if (g_live_view_tried) return g_live_view;
  g_live_view_tried = true;
  const char* address = std::getenv("LOADGATE_LIVE");
  if (address == nullptr || *address == '\0') return nullptr;
  std::chrono::nanoseconds linger{0};
  if (const char* text = std::getenv("LOADGATE_LIVE_LINGER");
      text != nullptr && *text != '\0') {
    try {
      linger = ParseDuration(text);
    } catch (const std::invalid_argument& error) {
      ADD_FAILURE() << "LOADGATE_LIVE_LINGER=" << text << ": " << error.what()
                    << "; the tests run without the live view";
      return nullptr;
    }
  }
  std::unique_ptr<LiveServer> server;
  try {
    server = std::make_unique<LiveServer>(
        std::string_view(address), LivePage::kServed, ShardFromEnvironment());
  } catch (const std::exception& error) {
    ADD_FAILURE() << "LOADGATE_LIVE=" << address << ": " << error.what()
                  << "; the tests run without the live view";
    return nullptr;
  }
  g_live_view = server.get();
  std::cout << "live view: " << g_live_view->url() << std::endl;
  ::testing::UnitTest::GetInstance()->listeners().Append(
      new LiveViewCloser(std::move(server), linger));
  return g_live_view;
}

// The pusher of LOADGATE_PUSHGATEWAY (LOADGATE_PUSH_INTERVAL,
// LOADGATE_PUSH_DELETE=1), one for the whole test program like the live
// view: started by the first RunLoad, its final push (and delete) when the
// program's tests are done.
bool g_pusher_tried = false;
prometheus::Pusher* g_pusher = nullptr;

class PusherCloser : public ::testing::EmptyTestEventListener {
 public:
  explicit PusherCloser(std::unique_ptr<prometheus::Pusher> pusher)
      : pusher_(std::move(pusher)) {}
  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    g_pusher = nullptr;
    pusher_.reset();
  }

 private:
  std::unique_ptr<prometheus::Pusher> pusher_;
};

// nullptr when LOADGATE_PUSHGATEWAY is unset or unusable, which fails the
// test that first tried, once.
prometheus::Pusher* Pusher() {
  if (g_pusher_tried) return g_pusher;
  g_pusher_tried = true;
  const char* url = std::getenv("LOADGATE_PUSHGATEWAY");
  if (url == nullptr || *url == '\0') return nullptr;
  prometheus::PushOptions options{.url = url};
  const char* delete_at_end = std::getenv("LOADGATE_PUSH_DELETE");
  options.delete_at_end =
      delete_at_end != nullptr && std::string_view(delete_at_end) == "1";
  std::unique_ptr<prometheus::Pusher> pusher;
  try {
    if (const char* interval = std::getenv("LOADGATE_PUSH_INTERVAL");
        interval != nullptr && *interval != '\0') {
      options.interval = ParseDuration(interval);
    }
    if (std::optional<Shard> shard = ShardFromEnvironment()) {
      options.shard = std::to_string(shard->index);
    }
    pusher = std::make_unique<prometheus::Pusher>(options, std::cerr);
  } catch (const std::invalid_argument& error) {
    ADD_FAILURE() << "LOADGATE_PUSHGATEWAY=" << url << ": " << error.what()
                  << "; the tests run without pushing";
    return nullptr;
  }
  g_pusher = pusher.get();
  ::testing::UnitTest::GetInstance()->listeners().Append(
      new PusherCloser(std::move(pusher)));
  return g_pusher;
}

// "Suite.Test/param", and the scenario's name when it has one.
std::string LiveRunName(const Scenario& scenario) {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr)
    return scenario.name.empty() ? "loadgate" : scenario.name;
  std::string name = gtest_internal::TestName(test);
  if (!scenario.name.empty()) name += " (" + scenario.name + ")";
  return name;
}

}  // namespace

std::string PresetName::operator()(
    const ::testing::TestParamInfo<Preset>& info) const {
  return Sanitized(info.param.name.empty() ? std::to_string(info.index)
                                           : info.param.name);
}

std::filesystem::path LoadTest::ReportPath() {
  const std::string name = gtest_internal::TestName(
      ::testing::UnitTest::GetInstance()->current_test_info());
  return gtest_internal::ReportDirectory() /
         (gtest_internal::FileStem(name) + ".json");
}

std::chrono::nanoseconds LoadDuration(std::chrono::nanoseconds configured) {
  const char* duration = std::getenv("LOADGATE_DURATION");
  if (duration == nullptr || *duration == '\0') return configured;
  try {
    return ParseDuration(duration);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument("LOADGATE_DURATION: " +
                                std::string(error.what()));
  }
}

namespace {

// LOADGATE_SHARD ("2/4") and LOADGATE_START_AT (Unix seconds or RFC 3339)
// into `options`, for a suite binary run as one shard of a test.
void ApplyShardEnvironment(RunOptions& options) {
  if (std::optional<Shard> shard = ShardFromEnvironment()) {
    options.shard = *shard;
  }
  if (const char* start = std::getenv("LOADGATE_START_AT");
      start != nullptr && *start != '\0') {
    try {
      options.start_at = ParseStartTime(start);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument("LOADGATE_START_AT: " +
                                  std::string(error.what()));
    }
  }
}

}  // namespace

bool WriteReportFiles(const RunReport& report,
                      const std::filesystem::path& path) {
  std::error_code error;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), error);
  }
  std::ofstream out(path);
  if (out) WriteJson(report, out);
  out.close();
  if (!out) {
    ADD_FAILURE() << "could not write the JSON report to " << path
                  << (error ? ": " + error.message() : std::string());
    return false;
  }
  std::filesystem::path csv_path = path;
  csv_path.replace_extension(".csv");
  std::ofstream csv(csv_path);
  WriteCsv(report, csv);
  csv.close();
  if (!csv) ADD_FAILURE() << "could not write the CSV report to " << csv_path;
  return true;
}

RunReport LoadTest::RunLoad(const Scenario& scenario, const LoadModel& model,
                            RunOptions options) {
  options.duration = LoadDuration(options.duration);
  ApplyShardEnvironment(options);
  InstallStopSignalHandlers();
  LiveServer* live = LiveView();
  if (live != nullptr) {
    live->BeginRun(LiveRunName(scenario), model, scenario, options.duration);
    options.on_progress =
        live->ProgressCallback(std::move(options.on_progress));
  }
  prometheus::Pusher* pusher = Pusher();
  if (pusher != nullptr) {
    pusher->BeginRun(LiveRunName(scenario), model);
    options.on_progress =
        pusher->ProgressCallback(std::move(options.on_progress));
  }
  RunReport report;
  try {
    report = loadgate::Run(scenario, model, options);
  } catch (const std::exception& error) {
    if (live != nullptr) live->AbortRun(error.what());
    if (pusher != nullptr) pusher->AbortRun();
    throw;
  }
  if (live != nullptr) live->EndRun(report);
  if (pusher != nullptr) pusher->EndRun(report);
  ReportRun(report, ReportPath());
  return report;
}

void LoadTest::SetUp() {
  if (g_interrupted) {
    GTEST_SKIP() << "skipped: an earlier run of this binary was interrupted";
  }
}

void LoadTest::ReportRun(RunReport& report, const std::filesystem::path& path) {
  if (report.info.name.empty()) report.info.name = path.stem().string();
  // A run that stopped early or recorded nothing fails the test, and the
  // verdict is its own testcase in the SLO JUnit file, whatever EXPECT_SLO
  // later finds in the partial data.
  for (SloVerdict& verdict : RunIntegrityVerdicts(report)) {
    EXPECT_TRUE(slo_internal::Judged(
        "the run", std::move(verdict),
        static_cast<double>(report.info.actual_duration_ns) / 1e9));
  }
  if (report.info.stop_reason == kStopReasonInterrupted) {
    // The tests after it are skipped so that Ctrl-C ends the suite, with the
    // reports of everything that ran written.
    ADD_FAILURE() << "interrupted: the remaining tests are skipped";
    g_interrupted = true;
  }
  for (const auto& [name, value] : SummaryProperties(report)) {
    RecordProperty(name, value);
  }
  if (WriteReportFiles(report, path)) {
    RecordProperty("loadgate.report", std::filesystem::absolute(path).string());
  }
  WriteSummary(report, std::cout);
  std::cout.flush();
}

}  // namespace loadgate
