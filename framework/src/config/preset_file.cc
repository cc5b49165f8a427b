// Load presets: the Locust-flavoured files that parameterise suites and Make
// targets by load level (configs/<suite>_<N>rps.json).
#include <stdexcept>

#include "config/document.h"
#include "http/url.h"
#include "loadgate/config.h"

namespace loadgate {

LoadModel PresetFile::Model() const {
  if (rate > 0) {
    OpenModel model;
    model.rate = rate;
    model.max_in_flight = users;
    return model;
  }
  ClosedModel model;
  model.users = users;
  model.spawn_rate = spawn_rate;
  return model;
}

PresetFile ParsePreset(std::string_view text, ConfigFormat format,
                       const std::string& source_name) {
  const config::Json root = config::ParseDocument(text, format, source_name);
  const config::Field field(root, "", source_name);
  field.ExpectObject(
      {"name", "rate", "users", "spawn_rate", "run_time", "host"});
  PresetFile preset;
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
    preset.run_time = run_time->Duration();
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

PresetFile LoadPresetFile(const std::string& path) {
  const ConfigFormat format = FormatForPath(path);
  return ParsePreset(config::ReadConfigFile(path), format, path);
}

}  // namespace loadgate
