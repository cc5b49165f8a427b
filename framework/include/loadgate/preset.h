// Load presets: a named amount of load (rate, users, spawn rate, duration,
// target) that suites are parameterised over, written in code or read from
// Locust-flavoured JSON/YAML files (configs/<suite>_<N>rps.json; the format
// is in docs/scenario-format.md), and the load models they stand for.
//
//   INSTANTIATE_TEST_SUITE_P(
//       Presets, ChatLoad,
//       ::testing::ValuesIn(loadgate::LoadPresets(
//           {"configs/chat_10rps.json", "configs/chat_100rps.json"})),
//       loadgate::PresetName());  // testing.h; -> .../chat_10rps
#ifndef LOADGATE_PRESET_H_
#define LOADGATE_PRESET_H_

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/load_model.h"

namespace loadgate {

// `rate` drives open models, `users` and `spawn_rate` closed ones (and cap
// an open model's iterations in flight); `host` is the base URL when a suite
// does not bring its own. In a file, `duration` is Locust's `run_time`.
struct Preset {
  std::string name;  // "rps_100": the suffix of the test name (PresetName)
  double rate = 0;   // target arrivals/s; 0 = a closed model of `users`
  int users = 0;     // closed model users, or the open model's in-flight cap
  double spawn_rate = 0;  // users started per second; 0 = all at once
  std::chrono::nanoseconds duration{0};  // 0 = not set
  std::string host;                      // empty = not set

  // Constant arrivals at `rate` with at most `users` iterations in flight
  // (0 = automatic).
  OpenModel Open() const;
  // `users` virtual users started at `spawn_rate`, thinking `think` between
  // iterations.
  ClosedModel Closed(ThinkTime think = ThinkTime::None()) const;
  // What the preset means on its own: Open() when it has a rate, else
  // Closed() without think time.
  LoadModel Model() const;
};

// "rps_100 (100 req/s, 100 users at 50/s, 10000 ms)", followed by the host
// when there is one: how GoogleTest prints a preset parameter.
void PrintTo(const Preset& preset, std::ostream* os);

// rps_10, rps_100, rps_1000: 10 s each, users equal to the rate and spawned
// over about two seconds. Users = rate follows Locust's convention of one
// request per user per second (1 s think time), so a closed run of the
// preset offers roughly the load of the open one. LOADGATE_DURATION (see
// LoadTest in testing.h) shortens them in CI.
std::vector<Preset> StandardPresets();

// Reads and validates a preset file (.json, .yaml or .yml). Throws
// ConfigError naming the file and the field.
Preset LoadPreset(const std::string& path);

// Each of `paths` in order, e.g. the values of INSTANTIATE_TEST_SUITE_P.
// Throws ConfigError for the first file that is missing or invalid.
std::vector<Preset> LoadPresets(const std::vector<std::string>& paths);

// Validates preset text; `source_name` is the path used in error messages.
// Throws ConfigError.
Preset ParsePreset(std::string_view text, ConfigFormat format,
                   const std::string& source_name);

}  // namespace loadgate

#endif  // LOADGATE_PRESET_H_
