// One self-contained HTML page per report (inline CSS, JS and data; viewing
// it needs no network): run info, SLO verdicts, per-endpoint table, and
// charts drawn as SVG by a small inline script — latency percentiles, rate
// against target and errors by category over time, the latency
// distribution, and for LLM runs TTFT, ITL, tokens/s and estimated cost.
#ifndef LOADGATE_HTML_REPORT_H_
#define LOADGATE_HTML_REPORT_H_

#include <iosfwd>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate {

// `slos_by_run[i]` holds the SLO results evaluated against `runs[i]`; it may
// be shorter than `runs` (the remaining runs then show no SLO table).
void WriteHtmlReport(
    const std::vector<RunReport>& runs,
    const std::vector<std::vector<ObjectiveResult>>& slos_by_run,
    std::ostream& out);

// The common case of SLOs judged against one run: `slos` belong to
// runs.front(); any further runs are shown without SLOs.
void WriteHtmlReport(const std::vector<RunReport>& runs,
                     const std::vector<ObjectiveResult>& slos,
                     std::ostream& out);

}  // namespace loadgate

#endif  // LOADGATE_HTML_REPORT_H_
