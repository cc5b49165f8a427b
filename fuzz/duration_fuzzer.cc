// Durations as people write them (-d, run_time, timeouts, LOADGATE_DURATION):
// anything malformed must end in the documented std::invalid_argument.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fuzz_support.h"
#include "loadgate/duration.h"
#include "loadgate/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::chrono::nanoseconds duration =
        loadgate::ParseDuration(loadgate::fuzz::AsText(data, size));
    loadgate::fuzz::Expect(duration.count() >= 0, "durations are not negative");
    loadgate::FormatMilliseconds(duration);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
