#include "support/report_checks.h"

#include <numeric>

namespace loadgate::test_support {

uint64_t ErrorsOf(const TagStats& stats, ErrorKind kind) {
  return stats.errors_by_kind[static_cast<size_t>(kind)];
}

uint64_t StatusCount(const TagStats& stats, int status) {
  auto it = stats.status_counts.find(status);
  return it == stats.status_counts.end() ? 0 : it->second;
}

namespace {

// Checks the counters of one tag (or the total) against each other.
::testing::AssertionResult TagAddsUp(const TagStats& stats) {
  // Slot kNone is not an error kind (reports leave it out), so it is not
  // part of the sum.
  uint64_t by_kind = std::accumulate(stats.errors_by_kind.begin() + 1,
                                     stats.errors_by_kind.end(), uint64_t{0});
  if (by_kind != stats.errors) {
    return ::testing::AssertionFailure()
           << "'" << stats.name << "': " << stats.errors
           << " errors but errors_by_kind sums to " << by_kind;
  }
  if (stats.errors > stats.requests) {
    return ::testing::AssertionFailure()
           << "'" << stats.name << "': " << stats.errors << " errors > "
           << stats.requests << " requests";
  }
  uint64_t statuses = 0;
  for (const auto& [status, count] : stats.status_counts) statuses += count;
  if (statuses != stats.requests) {
    return ::testing::AssertionFailure()
           << "'" << stats.name << "': status counts sum to " << statuses
           << ", requests " << stats.requests;
  }
  uint64_t with_latency = 0;
  for (int kind = 0; kind < kErrorKindCount; ++kind) {
    if (LatencyCounts(static_cast<ErrorKind>(kind))) {
      with_latency += stats.errors_by_kind[kind];
    }
  }
  if (stats.latency.count() != with_latency) {
    return ::testing::AssertionFailure()
           << "'" << stats.name << "': " << stats.latency.count()
           << " latencies for " << with_latency
           << " requests that were answered or waited for an answer";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult IsConsistent(const RunReport& report) {
  const Metrics& metrics = report.metrics;
  if (auto total = TagAddsUp(metrics.total); !total) return total;
  uint64_t tag_requests = 0, tag_errors = 0;
  for (const TagStats& tag : metrics.tags) {
    if (auto ok = TagAddsUp(tag); !ok) return ok;
    tag_requests += tag.requests;
    tag_errors += tag.errors;
  }
  if (tag_requests != metrics.total.requests ||
      tag_errors != metrics.total.errors) {
    return ::testing::AssertionFailure()
           << "tags sum to " << tag_requests << " requests / " << tag_errors
           << " errors, total says " << metrics.total.requests << " / "
           << metrics.total.errors;
  }
  uint64_t series_requests = 0;
  int64_t previous_second = -1;
  for (const TimeSlot& slot : metrics.series) {
    if (slot.second <= previous_second) {
      return ::testing::AssertionFailure()
             << "series not ascending at second " << slot.second;
    }
    previous_second = slot.second;
    series_requests += slot.requests;
  }
  if (series_requests != metrics.total.requests) {
    return ::testing::AssertionFailure()
           << "series sums to " << series_requests << " requests, total says "
           << metrics.total.requests;
  }
  if (report.info.actual_duration_ns <= 0) {
    return ::testing::AssertionFailure()
           << "actual duration " << report.info.actual_duration_ns;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult OnlyTheFastHalfMetTheObjective(
    const RunReport& report) {
  const uint64_t requests = report.requests();
  const uint64_t met = report.metrics.total.met_objectives;
  const uint64_t slow = (requests + 1) / 2;  // the odd-numbered ones
  if (met > requests - slow) {
    return ::testing::AssertionFailure()
           << met << " of " << requests
           << " requests met the objective, but only the " << requests - slow
           << " fast ones could";
  }
  if (met == 0) {
    return ::testing::AssertionFailure()
           << "none of " << requests << " requests met the objective";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace loadgate::test_support
