// What the load suites share: the stack their binary runs against (started
// once by suite_main.cc), presets read from configs/<suite>_<N>rps.json (the
// files `loadgate run` reads too), the data and requests several suites
// use, and the LLM price table. suites/CMakeLists.txt builds one binary per
// folder, each with suite_main.cc.
#ifndef LOADGATE_SUITES_LOAD_SUITE_H_
#define LOADGATE_SUITES_LOAD_SUITE_H_

#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
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

// List prices (USD per million text tokens, standard tier) when this was
// written; edit them to match a contract. Zero (no cost estimate) for a
// model the table does not know.
inline TokenPrices PricesFor(std::string_view model) {
  struct ModelPrices {
    std::string_view model;
    TokenPrices prices;
  };
  static constexpr ModelPrices kTable[] = {
      {"gemini-2.0-flash",
       {.input_per_million = 0.10, .output_per_million = 0.40}},
      {"gemini-1.5-pro",
       {.input_per_million = 1.25, .output_per_million = 5.00}},
      {"gpt-4o-mini", {.input_per_million = 0.15, .output_per_million = 0.60}},
      {"gpt-4o", {.input_per_million = 2.50, .output_per_million = 10.00}},
  };
  for (const ModelPrices& entry : kTable) {
    if (entry.model == model) return entry.prices;
  }
  return {};
}

// A preset's run time (LOADGATE_DURATION still overrides it), how long
// requests in flight at the end may take to finish, and the prices of the
// model the stack's LLM serves, so reports estimate what the calls cost.
inline RunOptions PresetRunOptions(const Preset& preset,
                                   std::chrono::nanoseconds graceful_stop) {
  RunOptions options;
  if (preset.duration.count() > 0) options.duration = preset.duration;
  options.graceful_stop = graceful_stop;
  options.prices = PricesFor(SuiteStack().options().llm_model);
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

}  // namespace loadgate::suites

#endif  // LOADGATE_SUITES_LOAD_SUITE_H_
