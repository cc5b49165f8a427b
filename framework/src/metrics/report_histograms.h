// The histograms of a TagStats under the names the reports give them: one
// table for the JSON writer and reader (so they cannot disagree) and one for
// the summary figures keyed as in the schema (JSON report, JUnit
// properties). Kept together, in one place, so that the list of metrics can
// later drive both.
#ifndef LOADGATE_METRICS_REPORT_HISTOGRAMS_H_
#define LOADGATE_METRICS_REPORT_HISTOGRAMS_H_

#include "loadgate/metrics.h"

namespace loadgate::report_internal {

// The histograms of a TagStats with their report names, in one table so the
// writer and the reader cannot disagree.
struct NamedHistogram {
  const char* name;
  Histogram TagStats::*member;
};
inline constexpr NamedHistogram kTagHistograms[] = {
    {"latency", &TagStats::latency},
    {"service_time", &TagStats::service_time},
    {"send_lag", &TagStats::send_lag},
    {"ttfb", &TagStats::ttfb},
    {"first_chunk", &TagStats::first_chunk},
    {"ttft", &TagStats::ttft},
    {"chunk_gap", &TagStats::chunk_gap},
    {"token_gap", &TagStats::token_gap},
    {"tpot", &TagStats::tpot},
    {"tokens_per_s", &TagStats::tokens_per_s},
};

// Summary percentiles of the time histograms, keyed as in the schema. The
// last five only apply to streams and are written when they have samples.
struct TimeFigure {
  const char* key;
  Histogram TagStats::*member;
};
inline constexpr TimeFigure kTimeFigures[] = {
    {"latency_ms", &TagStats::latency},
    {"service_time_ms", &TagStats::service_time},
    {"send_lag_ms", &TagStats::send_lag},
    {"ttfb_ms", &TagStats::ttfb},
    {"first_chunk_ms", &TagStats::first_chunk},
    {"ttft_ms", &TagStats::ttft},
    {"itl_chunk_ms", &TagStats::chunk_gap},
    {"itl_token_ms", &TagStats::token_gap},
    {"tpot_ms", &TagStats::tpot},
};

}  // namespace loadgate::report_internal

#endif  // LOADGATE_METRICS_REPORT_HISTOGRAMS_H_
