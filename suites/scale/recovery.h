// What a chaos run's per-second time series says about an outage: the burst
// of errors and how long after the restart requests succeeded again.
#ifndef LOADGATE_SUITES_SCALE_RECOVERY_H_
#define LOADGATE_SUITES_SCALE_RECOVERY_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/metrics.h"

namespace loadgate::suites::scale {

// When the test acted, in seconds since the run started.
struct ChaosTimeline {
  double kill_s = 0;     // the application was killed
  double restart_s = 0;  // its restart began
  double ready_s = 0;    // the restarted application passed its probe
};

// A second (series bucket) is clean when it completed requests and fewer
// than this share of them failed.
inline constexpr double kCleanSecondErrorRate = 0.01;

// Times come from the series, whose buckets are whole seconds by completion
// time: they are exact to the second, not finer.
struct Recovery {
  uint64_t errors = 0;  // over the whole run
  // The first and last second with an error; the burst spans from the start
  // of the one to the end of the other.
  std::optional<int64_t> first_error_second;
  std::optional<int64_t> last_error_second;
  double burst_s = 0;
  // The first clean second that ends after the restart began, and the time
  // from the restart to that second's end: the time to recover, as an upper
  // bound (requests succeeded again within it). Empty when no such second
  // came.
  std::optional<int64_t> recovered_second;
  std::optional<double> recovery_s;
  // Requests and errors completed in seconds that ended before the kill,
  // and from the recovered second on: both should be clean.
  uint64_t requests_before = 0, errors_before = 0;
  uint64_t requests_after = 0, errors_after = 0;
};

Recovery AnalyzeRecovery(const std::vector<TimeSlot>& series,
                         const ChaosTimeline& timeline);

void WriteRecoveryText(const Recovery& recovery, const ChaosTimeline& timeline,
                       std::ostream& out);

// JUnit properties: loadgate.chaos.errors, loadgate.chaos.recovery_s, ...
std::vector<std::pair<std::string, std::string>> RecoveryProperties(
    const Recovery& recovery, const ChaosTimeline& timeline);

}  // namespace loadgate::suites::scale

#endif  // LOADGATE_SUITES_SCALE_RECOVERY_H_
