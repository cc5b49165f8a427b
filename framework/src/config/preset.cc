// Load presets: the models a preset stands for, the standard ones, and the
// Locust-flavoured files that parameterise suites and Make targets by load
// level (configs/<suite>_<N>rps.json).
#include "loadgate/preset.h"

#include <ostream>
#include <stdexcept>

#include "config/document.h"
#include "http/url.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

Preset StandardPreset(double rate, std::chrono::nanoseconds duration) {
  Preset preset;
  preset.name = "rps_" + std::to_string(static_cast<int>(rate));
  preset.rate = rate;
  preset.users = static_cast<int>(rate);
  preset.spawn_rate = rate / 2;
  preset.duration = duration;
  return preset;
}

}  // namespace

OpenModel Preset::Open() const {
  OpenModel model;
  model.rate = rate;
  model.max_in_flight = users;
  return model;
}

ClosedModel Preset::Closed(ThinkTime think) const {
  ClosedModel model;
  model.users = users;
  model.spawn_rate = spawn_rate;
  model.think = think;
  return model;
}

LoadModel Preset::Model() const {
  if (rate > 0) return Open();
  return Closed();
}

void PrintTo(const Preset& preset, std::ostream* os) {
  *os << preset.name << " (" << preset.rate << " req/s, " << preset.users
      << " users at " << preset.spawn_rate << "/s, "
      << FormatMilliseconds(preset.duration);
  if (!preset.host.empty()) *os << ", " << preset.host;
  *os << ")";
}

std::vector<Preset> StandardPresets() {
  constexpr std::chrono::seconds kDuration(10);
  return {StandardPreset(10, kDuration), StandardPreset(100, kDuration),
          StandardPreset(1000, kDuration)};
}

Preset ParsePreset(std::string_view text, ConfigFormat format,
                   const std::string& source_name) {
  const config::Json root = config::ParseDocument(text, format, source_name);
  const config::Field field(root, "", source_name);
  field.ExpectObject(
      {"name", "rate", "users", "spawn_rate", "run_time", "host"});
  Preset preset;
  preset.name = field.Require("name").String();
  if (!field.Has("rate") && !field.Has("users")) {
    field.Fail("expected rate (requests/s), users, or both");
  }
  if (auto rate = field.Get("rate")) preset.rate = rate->PositiveNumber();
  if (auto users = field.Get("users")) {
    preset.users = static_cast<int>(users->Integer(1, config::kMaxInt));
  }
  if (auto spawn_rate = field.Get("spawn_rate")) {
    preset.spawn_rate = spawn_rate->PositiveNumber();
  }
  if (auto run_time = field.Get("run_time")) {
    preset.duration = run_time->Duration();
  }
  if (auto host = field.Get("host")) {
    preset.host = host->String();
    try {
      http::ParseUrl(preset.host);
    } catch (const std::invalid_argument& error) {
      host->Fail(error.what());
    }
  }
  return preset;
}

Preset LoadPreset(const std::string& path) {
  const ConfigFormat format = FormatForPath(path);
  return ParsePreset(config::ReadConfigFile(path), format, path);
}

std::vector<Preset> LoadPresets(const std::vector<std::string>& paths) {
  std::vector<Preset> presets;
  presets.reserve(paths.size());
  for (const std::string& path : paths) presets.push_back(LoadPreset(path));
  return presets;
}

}  // namespace loadgate
