// One self-contained HTML page per report (viewing it needs no network):
// run info, SLO verdicts, per-endpoint table, and charts — latency
// percentiles, rate against target and errors by category over time, the
// latency distribution, and for LLM runs TTFT, ITL, tokens/s and estimated
// cost. The charts are inline SVG drawn when the page is written, coloured
// by attributes, and the page is plain tables and headings: it reads the
// same with scripts and styles blocked (a CI archive's Content-Security-
// Policy, such as Jenkins' `sandbox; default-src 'none'; img-src 'self';
// style-src 'self'`). Its inline stylesheet and script, where allowed, only
// refine the look and add a readout of the values under the pointer.
#ifndef LOADGATE_HTML_REPORT_H_
#define LOADGATE_HTML_REPORT_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate {

// `slos_by_run[i]` holds the SLO results evaluated against `runs[i]`; it may
// be shorter than `runs` (the remaining runs then show no SLO table).
// `titles[i]`, when present and not empty, titles the card of `runs[i]`:
// the test that ran it, or the name of its report file. Otherwise the card
// is titled after the run (RunInfo::name), with its load model added when
// other runs of the page share that name.
void WriteHtmlReport(
    const std::vector<RunReport>& runs,
    const std::vector<std::vector<ObjectiveResult>>& slos_by_run,
    const std::vector<std::string>& titles, std::ostream& out);

// As above, each card titled after its run.
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
