// The result of one run: what was asked for, what was measured, and the
// derived summary figures every reporter and SLO matcher reads.
#ifndef LOADGATE_REPORT_H_
#define LOADGATE_REPORT_H_

#include <cstdint>
#include <iosfwd>
#include <string>

#include "loadgate/metrics.h"

namespace loadgate {

// Prices for estimating LLM cost, in USD per million tokens.
struct TokenPrices {
  double input_per_million = 0;
  double output_per_million = 0;
};

struct RunInfo {
  std::string name;         // scenario or test name
  std::string load_model;   // human-readable, e.g. "constant 100 req/s"
  double target_rps = 0;    // 0 for closed models
  int users = 0;            // closed models: virtual users
  int64_t planned_duration_ns = 0;
  int64_t actual_duration_ns = 0;
  std::string started_at;   // ISO 8601 UTC
  // Empty for a run that ended as planned; otherwise why it stopped early
  // ("interrupted", "max error rate 5.2 % over 10 s > 5 %", ...). The report
  // is complete up to that moment either way.
  std::string stop_reason;
  TokenPrices prices;
};

struct RunReport {
  RunInfo info;
  Metrics metrics;

  // Derived figures (all from metrics.total unless a tag is named).
  uint64_t requests() const;
  uint64_t errors() const;
  double error_rate() const;    // errors / requests, 0 when no requests
  double achieved_rps() const;  // requests / actual duration
  double goodput_rps() const;   // met-objective requests / actual duration
  double slo_attainment() const;  // met-objective share of requests
  double output_tokens_per_s() const;
  double estimated_cost_usd() const;
  // nullptr when absent.
  const TagStats* FindTag(std::string_view name) const;
  const CustomMetric* FindCustom(std::string_view name) const;
};

// Current JSON report schema version; bump on incompatible changes.
inline constexpr int kReportSchemaVersion = 1;

// JSON report (schema in docs/report-schema.md). WriteJson emits summary
// figures and the histograms' buckets, so ReadJson restores a report whose
// percentiles match the original exactly.
void WriteJson(const RunReport& report, std::ostream& out);
// Throws std::runtime_error naming `source` and the offending field.
RunReport ReadJson(std::istream& in, const std::string& source);

// CSV with Locust's stats columns ("Type","Name","Request Count",
// "Failure Count","Median Response Time",..., "100%"), one row per tag and an
// "Aggregated" row.
void WriteCsv(const RunReport& report, std::ostream& out);

// Plain multi-line summary for terminals and logs.
void WriteSummary(const RunReport& report, std::ostream& out);

}  // namespace loadgate

#endif  // LOADGATE_REPORT_H_
