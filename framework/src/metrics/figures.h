// The derived figures of one TagStats (the whole run or one tag) over the
// run's actual duration, computed in one place for RunReport's accessors,
// the objectives and every report writer.
#ifndef LOADGATE_METRICS_FIGURES_H_
#define LOADGATE_METRICS_FIGURES_H_

#include <cstdint>

#include "loadgate/metrics.h"
#include "loadgate/report.h"

namespace loadgate {

struct Figures {
  uint64_t requests = 0;
  uint64_t errors = 0;
  double error_rate = 0;          // errors / requests, 0 when no requests
  double achieved_rps = 0;        // requests / actual duration
  double goodput_rps = 0;         // met-objective requests / actual duration
  double slo_attainment = 0;      // met-objective share of requests
  double input_tokens_per_s = 0;  // prompt tokens / actual duration
  double output_tokens_per_s = 0;
  double estimated_cost_usd = 0;
};

Figures ComputeFigures(const TagStats& stats, const RunInfo& info);

}  // namespace loadgate

#endif  // LOADGATE_METRICS_FIGURES_H_
