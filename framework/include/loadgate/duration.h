// Durations as people write them in configs and environment variables:
// "250ms", "10s", "1m30s", "1h", "500us". Writing them is format.h's job.
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

}  // namespace loadgate

#endif  // LOADGATE_DURATION_H_
