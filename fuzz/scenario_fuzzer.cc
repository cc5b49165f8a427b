// Scenario files, read both as JSON and as YAML (the two formats share one
// schema). ParseScenario promises a loadgate::ConfigError naming the file
// and field for anything malformed; any other exception escapes and is
// reported. The file sits in a folder that does not exist, so the data
// files and presets it names are not found (and nothing is read from the
// machine by relative path).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "loadgate/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = loadgate::fuzz::AsText(data, size);
  for (const auto& [format, name] :
       {std::pair{loadgate::ConfigFormat::kJson, "scenario.json"},
        std::pair{loadgate::ConfigFormat::kYaml, "scenario.yaml"}}) {
    try {
      loadgate::ParseScenario(
          text, format, std::string("/nonexistent-loadgate-fuzz/") + name);
    } catch (const loadgate::ConfigError&) {
    }
  }
  return 0;
}
