// The scenario and options most engine tests start a run from: one request
// against a test server, and a short run on few event-loop threads.
#ifndef LOADGATE_TESTS_SUPPORT_SHORT_RUN_H_
#define LOADGATE_TESTS_SUPPORT_SHORT_RUN_H_

#include <chrono>
#include <string>

#include "loadgate/engine.h"
#include "loadgate/scenario.h"

namespace loadgate::test_support {

// A scenario of the one `request` against `base_url`, named after the
// running test (so its summary says which test it belongs to).
Scenario OneRequest(std::string base_url, Request request);

// A run of `duration` on `threads` event-loop threads that then gives the
// requests in flight `graceful_stop` to finish.
RunOptions ShortRun(
    std::chrono::nanoseconds duration, int threads = 1,
    std::chrono::nanoseconds graceful_stop = std::chrono::seconds(2));

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_SHORT_RUN_H_
