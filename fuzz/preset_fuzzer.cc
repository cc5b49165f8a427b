// Load presets (configs/<suite>_<N>rps.json), read both as JSON and as
// YAML. ParsePreset promises a loadgate::ConfigError naming the file and
// field for anything malformed; any other exception escapes and is reported.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "loadgate/preset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = loadgate::fuzz::AsText(data, size);
  for (const auto& [format, name] :
       {std::pair{loadgate::ConfigFormat::kJson, "preset.json"},
        std::pair{loadgate::ConfigFormat::kYaml, "preset.yaml"}}) {
    try {
      loadgate::ParsePreset(text, format, name).Model();
    } catch (const loadgate::ConfigError&) {
    }
  }
  return 0;
}
