// What the load suites read from configs/ (LOADGATE_CONFIG_DIR, set for every
// suite by suites/CMakeLists.txt): their presets,
// configs/<suite>_<N>rps.json (the files `loadgate run` reads too), and the
// LLM price list, configs/llm_prices.json; and the run options a preset
// configures. Public headers only.
#ifndef LOADGATE_SUITES_SUITE_CONFIG_H_
#define LOADGATE_SUITES_SUITE_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/engine.h"
#include "loadgate/fixtures/stack.h"
#include "loadgate/load_model.h"
#include "loadgate/preset.h"
#include "loadgate/report.h"
#include "loadgate/testing.h"

namespace loadgate::suites {

inline std::string ConfigPath(std::string_view file) {
  return std::string(LOADGATE_CONFIG_DIR) + "/" + std::string(file);
}

// configs/<suite>_10rps.json, _100rps.json and _1000rps.json, read by
// LoadPresets, as presets named rps_10, rps_100 and rps_1000, so test names
// end in the rate. Throws ConfigError naming the file and field when one is
// missing or invalid.
inline std::vector<Preset> PresetsFromConfigs(std::string_view suite) {
  const std::vector<std::string> rates = {"10", "100", "1000"};
  std::vector<std::string> paths;
  for (const std::string& rate : rates) {
    paths.push_back(ConfigPath(std::string(suite) + "_" + rate + "rps.json"));
  }
  std::vector<Preset> presets = LoadPresets(paths);
  for (size_t i = 0; i < presets.size(); ++i) {
    presets[i].name = "rps_" + rates[i];
  }
  return presets;
}

// The prices of `model` in configs/llm_prices.json; zero (no cost estimate)
// for a model the list does not hold. Throws ConfigError naming the file
// when it cannot be read or is not the expected JSON.
inline TokenPrices LlmPrices(std::string_view model) {
  const std::string path = ConfigPath("llm_prices.json");
  std::ifstream in(path);
  try {
    const nlohmann::json models = nlohmann::json::parse(in).at("models");
    if (!models.contains(model)) return {};
    const nlohmann::json& prices = models.at(std::string(model));
    return {
        .input_per_million = prices.at("input_per_million").get<double>(),
        .output_per_million = prices.at("output_per_million").get<double>()};
  } catch (const nlohmann::json::exception& error) {
    throw ConfigError(path, "", error.what());
  }
}

// The application a preset targets: the preset's own host, else the stack's.
inline std::string AppUrlFor(const Preset& preset, fixtures::Stack& stack) {
  return preset.host.empty() ? stack.app_url() : preset.host;
}

// A preset's run time (LOADGATE_DURATION still overrides it), how long
// requests in flight at the end may take to finish, and the prices of the
// model the stack's LLM serves, so reports estimate what the calls cost.
inline RunOptions PresetRunOptions(const Preset& preset,
                                   std::chrono::nanoseconds graceful_stop,
                                   const fixtures::Stack& stack) {
  RunOptions options;
  if (preset.duration.count() > 0) options.duration = preset.duration;
  options.graceful_stop = graceful_stop;
  options.prices = LlmPrices(stack.options().llm_model);
  return options;
}

}  // namespace loadgate::suites

#endif  // LOADGATE_SUITES_SUITE_CONFIG_H_
