// Assertions on run reports shared by the engine tests.
#ifndef LOADGATE_TESTS_SUPPORT_REPORT_CHECKS_H_
#define LOADGATE_TESTS_SUPPORT_REPORT_CHECKS_H_

#include <gtest/gtest.h>

#include <cstdint>

#include "loadgate/metrics.h"
#include "loadgate/report.h"

namespace loadgate::test_support {

// Errors of one kind in `stats`.
uint64_t ErrorsOf(const TagStats& stats, ErrorKind kind);
// Responses with `status` in `stats` (0 = no response).
uint64_t StatusCount(const TagStats& stats, int status);

// The report adds up, whatever happened during the run: the total equals
// the sum of the tags, the error kinds (other than kNone) sum to the errors,
// status counts and the per-second series sum to the requests, every request
// that was answered or waited for an answer (LatencyCounts) has a latency,
// and the run has a duration. A report written after an
// interruption or a dying server must still pass.
::testing::AssertionResult IsConsistent(const RunReport& report);

// For a run against a server that answered its odd-numbered requests too
// late for the request objective and the others in time: none of the slow
// half met the objective, and some of the fast half did (on a loaded
// machine not necessarily all, so only the slow half is exact).
::testing::AssertionResult OnlyTheFastHalfMetTheObjective(
    const RunReport& report);

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_REPORT_CHECKS_H_
