#include "loadgate/testing.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

#include "loadgate/duration.h"

namespace loadgate {
namespace {

std::string Sanitized(std::string text) {
  for (char& c : text) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_';
    if (!allowed) c = '_';
  }
  return text;
}

Preset MakePreset(double rps, std::chrono::nanoseconds duration) {
  Preset preset;
  preset.name = "rps_" + std::to_string(static_cast<int>(rps));
  preset.rps = rps;
  preset.users = static_cast<int>(rps);
  preset.spawn_rate = rps / 2;
  preset.duration = duration;
  return preset;
}

}  // namespace

OpenModel Preset::Open() const {
  OpenModel model;
  model.rate = rps;
  return model;
}

ClosedModel Preset::Closed(ThinkTime think) const {
  ClosedModel model;
  model.users = users;
  model.spawn_rate = spawn_rate;
  model.think = think;
  return model;
}

void PrintTo(const Preset& preset, std::ostream* os) {
  *os << preset.name << " (" << preset.rps << " req/s, " << preset.users
      << " users at " << preset.spawn_rate << "/s, "
      << FormatMilliseconds(preset.duration);
  if (!preset.host.empty()) *os << ", " << preset.host;
  *os << ")";
}

std::string PresetName::operator()(
    const ::testing::TestParamInfo<Preset>& info) const {
  return Sanitized(info.param.name.empty() ? std::to_string(info.index)
                                           : info.param.name);
}

std::vector<Preset> StandardPresets() {
  constexpr std::chrono::seconds kDuration(10);
  return {MakePreset(10, kDuration), MakePreset(100, kDuration),
          MakePreset(1000, kDuration)};
}

std::filesystem::path LoadTest::ReportPath() {
  const char* dir = std::getenv("LOADGATE_REPORT_DIR");
  const std::filesystem::path directory =
      dir != nullptr && *dir != '\0' ? dir : "reports";
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name =
      test == nullptr
          ? "loadgate"
          : std::string(test->test_suite_name()) + "." + test->name();
  std::string file_name = name;
  for (char& c : file_name) {
    if (c == '/') c = '_';
  }
  return directory / (file_name + ".json");
}

RunReport LoadTest::RunLoad(const Scenario& scenario, const LoadModel& model,
                            RunOptions options) {
  if (const char* duration = std::getenv("LOADGATE_DURATION");
      duration != nullptr && *duration != '\0') {
    options.duration = ParseDuration(duration);
  }
  InstallStopSignalHandlers();
  RunReport report = loadgate::Run(scenario, model, options);
  const std::filesystem::path path = ReportPath();
  if (report.info.name.empty()) report.info.name = path.stem().string();

  for (const auto& [name, value] : SummaryProperties(report)) {
    RecordProperty(name, value);
  }
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  std::ofstream out(path);
  if (out) WriteJson(report, out);
  out.close();
  if (!out) {
    ADD_FAILURE() << "could not write the JSON report to " << path
                  << (error ? ": " + error.message() : std::string());
  } else {
    RecordProperty("loadgate.report", std::filesystem::absolute(path).string());
  }
  WriteSummary(report, std::cout);
  std::cout.flush();
  return report;
}

}  // namespace loadgate
