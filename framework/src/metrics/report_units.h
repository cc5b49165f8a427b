// The unit conversions and ratios the report writers share: nanoseconds to
// milliseconds and seconds, counts per second of a run, shares of a whole.
#ifndef LOADGATE_METRICS_REPORT_UNITS_H_
#define LOADGATE_METRICS_REPORT_UNITS_H_

#include <cstdint>

#include "loadgate/report.h"

namespace loadgate::report_internal {

inline constexpr double kNanosPerMilli = 1e6;
inline constexpr double kNanosPerSecond = 1e9;

inline double Seconds(int64_t nanoseconds) {
  return static_cast<double>(nanoseconds) / kNanosPerSecond;
}

// `count` over the run's actual duration; 0 for a run that took no time.
inline double PerSecond(uint64_t count, const RunInfo& info) {
  return info.actual_duration_ns > 0
             ? static_cast<double>(count) / Seconds(info.actual_duration_ns)
             : 0;
}

// part / whole, 0 when there is no whole.
inline double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0
                    : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace loadgate::report_internal

#endif  // LOADGATE_METRICS_REPORT_UNITS_H_
