#include "scale/recovery.h"

#include "loadgate/format.h"
#include "loadgate/objective.h"

namespace loadgate::suites::scale {
namespace {

bool Clean(const TimeSlot& slot) {
  return slot.requests > 0 &&
         static_cast<double>(slot.errors) <
             kCleanSecondErrorRate * static_cast<double>(slot.requests);
}

// "1.25 s": the chaos timeline is read in seconds.
std::string SecondsText(double seconds) {
  return FormatNumber(seconds, 3) + " s";
}

}  // namespace

Recovery AnalyzeRecovery(const std::vector<TimeSlot>& series,
                         const ChaosTimeline& timeline) {
  Recovery recovery;
  for (const TimeSlot& slot : series) {
    const double end = static_cast<double>(slot.second) + 1;
    recovery.errors += slot.errors;
    if (slot.errors > 0) {
      if (!recovery.first_error_second) {
        recovery.first_error_second = slot.second;
      }
      recovery.last_error_second = slot.second;
    }
    if (end <= timeline.kill_s) {
      recovery.requests_before += slot.requests;
      recovery.errors_before += slot.errors;
    }
    if (!recovery.recovered_second && end > timeline.restart_s && Clean(slot)) {
      recovery.recovered_second = slot.second;
      recovery.recovery_s = end - timeline.restart_s;
    }
    if (recovery.recovered_second) {
      recovery.requests_after += slot.requests;
      recovery.errors_after += slot.errors;
    }
  }
  if (recovery.first_error_second) {
    recovery.burst_s = static_cast<double>(*recovery.last_error_second -
                                           *recovery.first_error_second + 1);
  }
  return recovery;
}

void WriteRecoveryText(const Recovery& recovery, const ChaosTimeline& timeline,
                       std::ostream& out) {
  out << "chaos: killed at " << SecondsText(timeline.kill_s)
      << ", restart began at " << SecondsText(timeline.restart_s)
      << ", ready (probe passed) at " << SecondsText(timeline.ready_s) << "\n";
  out << "  errors        " << recovery.errors;
  if (recovery.first_error_second) {
    out << " in seconds " << *recovery.first_error_second << " to "
        << *recovery.last_error_second << " (a burst of at most "
        << SecondsText(recovery.burst_s) << ")";
  }
  out << "\n  recovered     ";
  if (recovery.recovery_s) {
    out << "within " << SecondsText(*recovery.recovery_s)
        << " of the restart (by the end of second "
        << *recovery.recovered_second << ", the first since with < "
        << FormatNumber(kCleanSecondErrorRate * 100) << " % errors)\n";
  } else {
    out << "never: no second after the restart had < "
        << FormatNumber(kCleanSecondErrorRate * 100) << " % errors\n";
  }
  out << "  before kill   " << recovery.errors_before << " errors in "
      << recovery.requests_before << " requests\n"
      << "  after recovery " << recovery.errors_after << " errors in "
      << recovery.requests_after << " requests\n";
}

std::vector<std::pair<std::string, std::string>> RecoveryProperties(
    const Recovery& recovery, const ChaosTimeline& timeline) {
  std::vector<std::pair<std::string, std::string>> properties = {
      {"loadgate.chaos.kill_s", FormatNumber(timeline.kill_s)},
      {"loadgate.chaos.restart_s", FormatNumber(timeline.restart_s)},
      {"loadgate.chaos.restart_to_ready_s",
       FormatNumber(timeline.ready_s - timeline.restart_s)},
      {"loadgate.chaos.errors", std::to_string(recovery.errors)},
      {"loadgate.chaos.burst_s", FormatNumber(recovery.burst_s)},
  };
  if (recovery.first_error_second) {
    properties.emplace_back("loadgate.chaos.first_error_second",
                            std::to_string(*recovery.first_error_second));
    properties.emplace_back("loadgate.chaos.last_error_second",
                            std::to_string(*recovery.last_error_second));
  }
  if (recovery.recovery_s) {
    properties.emplace_back("loadgate.chaos.recovery_s",
                            FormatNumber(*recovery.recovery_s));
  }
  return properties;
}

}  // namespace loadgate::suites::scale
