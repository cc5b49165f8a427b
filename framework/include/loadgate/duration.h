// Durations as people write them in configs, environment variables and
// reports: "250ms", "10s", "1m30s", "1h", "500us".
#ifndef LOADGATE_DURATION_H_
#define LOADGATE_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

namespace loadgate {

// Parses one or more <number><unit> terms, summed: units ns, us (or µs), ms,
// s, m, h; numbers may have a fraction ("1.5s"). A bare "0" is zero.
// Surrounding whitespace is ignored. Throws std::invalid_argument saying what
// was expected for anything else (no unit, unknown unit, negative values,
// overflow of int64 nanoseconds).
std::chrono::nanoseconds ParseDuration(std::string_view text);

// A duration in milliseconds with up to three decimals and no trailing zeros,
// followed by " ms": "3000 ms", "3412.5 ms", "0.25 ms". The one format every
// report, summary and failure message uses for times.
std::string FormatMilliseconds(double nanoseconds);
inline std::string FormatMilliseconds(std::chrono::nanoseconds duration) {
  return FormatMilliseconds(static_cast<double>(duration.count()));
}

}  // namespace loadgate

#endif  // LOADGATE_DURATION_H_
