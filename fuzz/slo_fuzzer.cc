// The readable SLO syntax of scenario files and --slo ("p95(latency) < 3s").
// Anything malformed must end in the documented std::invalid_argument; any
// other exception escapes and is reported.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "loadgate/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(loadgate::fuzz::AsText(data, size));
  try {
    const loadgate::Objective objective = loadgate::ParseObjective(text);
    // What was accepted can be shown and judged, as reports do (an empty
    // run: no samples, which must fail with a reason, never throw).
    objective.Describe();
    const loadgate::ObjectiveResult result =
        loadgate::Evaluate(objective, loadgate::RunReport());
    loadgate::fuzz::Expect(!result.passed, "no samples never pass");
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
