// A step's warm-up is the first whole seconds of the step's own run, so the
// service's queues, connections and caches carry on into the judged part;
// this cuts the warm-up out of the run's report.
#ifndef LOADGATE_CAPACITY_WARMUP_WINDOW_H_
#define LOADGATE_CAPACITY_WARMUP_WINDOW_H_

#include <cstdint>
#include <vector>

#include "loadgate/metrics.h"
#include "loadgate/report.h"

namespace loadgate::capacity {

// `whole` without its first `warmup_seconds`: per-tag statistics minus
// `at_warmup_end` (Progress::tags of the engine's report for the warm-up's
// last second, matched by tag name), the total merged from them, the time
// series from that second on, and the durations shortened by it. Custom
// metrics keep the whole run's values, their counts scaled to the judged
// part's share of the requests. Requests that arrived in the warm-up and
// completed after its end count in the judged part: the queue the
// warm-up built is the service's, judged with it.
RunReport AfterWarmup(const RunReport& whole,
                      const std::vector<TagStats>& at_warmup_end,
                      int64_t warmup_seconds);

}  // namespace loadgate::capacity

#endif  // LOADGATE_CAPACITY_WARMUP_WINDOW_H_
