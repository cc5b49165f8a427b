// What the load suites share: the stack their binary runs against (started
// once by suite_main.cc), presets read from configs/<suite>_<N>rps.json (the
// files `loadgate run` reads too), and the CSV written beside each JSON
// report. suites/CMakeLists.txt builds one binary per folder, each with
// suite_main.cc.
#ifndef LOADGATE_SUITES_LOAD_SUITE_H_
#define LOADGATE_SUITES_LOAD_SUITE_H_

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/engine.h"
#include "loadgate/fixtures/stack.h"
#include "loadgate/load_model.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/testing.h"

namespace loadgate::suites {

// What the suite needs started (each suite defines it; most return
// fixtures::StackOptions::FromEnvironment()).
fixtures::StackOptions SuiteStackOptions();

// The stack of this test binary (LOADGATE_STACK: process, container or
// external), started from SuiteStackOptions(); defined in suite_main.cc.
// Mutable so that chaos tests can kill and restart its services.
fixtures::Stack& SuiteStack();

// The application a preset targets: the preset's own host, else the stack's.
inline std::string AppUrlFor(const Preset& preset) {
  return preset.host.empty() ? SuiteStack().app_url() : preset.host;
}

// A preset's run time (LOADGATE_DURATION still overrides it) and how long
// requests in flight at the end may take to finish.
inline RunOptions PresetRunOptions(const Preset& preset,
                                   std::chrono::nanoseconds graceful_stop) {
  RunOptions options;
  if (preset.duration.count() > 0) options.duration = preset.duration;
  options.graceful_stop = graceful_stop;
  return options;
}

inline constexpr int kPresetRates[] = {10, 100, 1000};

// "MRN00000001" ...: the sample app's patients (--patients N, default
// 10000) are numbered from 1.
inline std::string Mrn(int number) {
  char mrn[16];
  std::snprintf(mrn, sizeof(mrn), "MRN%08d", number);
  return mrn;
}

// Rows of (mrn, query) over the first `patients` patients, each asked one of
// the sample questions in turn, in random order: what a clinician asks the
// triage assistant.
inline DataSet PatientQuestions(int patients) {
  static const char* const kQueries[] = {
      "Summarise the most recent encounter.",
      "Are there any open or denied claims?",
      "Which documents were filed in the last year?",
      "Is a follow-up visit recommended?",
      "What is the total billed amount so far?",
  };
  DataSet data;
  data.columns = {"mrn", "query"};
  data.order = DataSet::Order::kRandom;
  for (int i = 1; i <= patients; ++i) {
    data.rows.push_back({Mrn(i), kQueries[i % std::size(kQueries)]});
  }
  return data;
}

// A GET of the DB API: 5 s timeout, the given checks.
inline Request ApiGet(std::string name, std::string url,
                      std::vector<Check> checks, double weight = 1) {
  Request request;
  request.name = std::move(name);
  request.url = std::move(url);
  request.weight = weight;
  request.timeout = std::chrono::seconds(5);
  request.checks = std::move(checks);
  return request;
}

// configs/<suite>_10rps.json, _100rps.json and _1000rps.json as presets named
// rps_10, rps_100 and rps_1000, so test names end in the rate. Throws
// ConfigError naming the file and field when one is missing or invalid.
inline std::vector<Preset> PresetsFromConfigs(const std::string& suite) {
  std::vector<Preset> presets;
  for (int rate : kPresetRates) {
    const std::string rate_text = std::to_string(rate);
    const PresetFile file =
        LoadPresetFile(std::string(LOADGATE_SOURCE_DIR) + "/configs/" + suite +
                       "_" + rate_text + "rps.json");
    Preset preset;
    preset.name = "rps_" + rate_text;
    preset.rps = file.rate;
    preset.users = file.users;
    preset.spawn_rate = file.spawn_rate;
    preset.duration = file.run_time;
    preset.host = file.host;
    presets.push_back(std::move(preset));
  }
  return presets;
}

// Constant arrivals at the preset's rate with at most `users` iterations in
// flight, as PresetFile::Model() reads a preset with a rate.
inline OpenModel OpenModelOf(const Preset& preset) {
  OpenModel model = preset.Open();
  model.max_in_flight = preset.users;
  return model;
}

// Locust-style stats CSV next to the JSON report (same name, .csv), for
// spreadsheets and tools that read Locust's output.
inline void WriteCsvBeside(const RunReport& report,
                           const std::filesystem::path& json_report) {
  std::filesystem::path csv_path = json_report;
  csv_path.replace_extension(".csv");
  std::ofstream out(csv_path);
  WriteCsv(report, out);
  out.close();
  if (!out) ADD_FAILURE() << "could not write the CSV report to " << csv_path;
}

// The JSON report (creating its folder) and the CSV beside it, for runs a
// suite starts with Run() itself: RunLoad() writes one report per test,
// named after the test, so a test with several runs names the others.
inline void WriteReportFiles(const RunReport& report,
                             const std::filesystem::path& json_report) {
  if (WriteJsonReport(report, json_report)) {
    WriteCsvBeside(report, json_report);
  }
}

}  // namespace loadgate::suites

#endif  // LOADGATE_SUITES_LOAD_SUITE_H_
