// The console forms of a report (report.h): WriteSummary's multi-line
// summary for terminals and logs, DescribeErrors' error breakdown, and
// PrintTo's one line for GoogleTest failure messages.
#include <ostream>
#include <string>

#include "loadgate/format.h"
#include "loadgate/report.h"
#include "metrics/figures.h"
#include "metrics/report_units.h"

namespace loadgate {
namespace {

using report_internal::Seconds;
using report_internal::Share;

std::string PercentileLine(const Histogram& histogram) {
  auto ms = [](int64_t ns) {
    return FormatMilliseconds(static_cast<double>(ns));
  };
  return "p50 " + ms(histogram.Percentile(50)) + ", p90 " +
         ms(histogram.Percentile(90)) + ", p95 " +
         ms(histogram.Percentile(95)) + ", p99 " +
         ms(histogram.Percentile(99)) + ", max " + ms(histogram.max()) +
         ", mean " + FormatMilliseconds(histogram.mean());
}

// One line per time histogram that has samples.
void WriteTimeLines(const TagStats& total, std::ostream& out) {
  auto line = [&](const char* label, const Histogram& histogram) {
    if (histogram.empty()) return;
    out << "  " << label << PercentileLine(histogram) << '\n';
  };
  line("latency      ", total.latency);
  line("service time ", total.service_time);
  line("send lag     ", total.send_lag);
  line("ttfb         ", total.ttfb);
  line("ttft         ", total.ttft);
  line("itl (chunk)  ", total.chunk_gap);
  line("itl (token)  ", total.token_gap);
  line("tpot         ", total.tpot);
  line("e2e/token    ", total.latency_per_token);
}

}  // namespace

std::string DescribeErrors(const TagStats& stats) {
  if (stats.errors == 0) return "none";
  std::string text = std::to_string(stats.errors) + " (" +
                     FormatFixed(100 * Share(stats.errors, stats.requests), 2) +
                     " %):";
  const char* separator = " ";
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (stats.errors_by_kind[kind] == 0) continue;
    text += separator;
    text += ErrorKindName(static_cast<ErrorKind>(kind));
    text += ' ';
    text += std::to_string(stats.errors_by_kind[kind]);
    separator = ", ";
  }
  std::string statuses;
  for (const auto& [status, count] : stats.status_counts) {
    if (status != 0 && status < 400) continue;
    statuses += statuses.empty() ? "; status " : ", ";
    statuses += (status == 0 ? "none" : std::to_string(status)) + " x" +
                std::to_string(count);
  }
  return text + statuses;
}

void WriteSummary(const RunReport& report, std::ostream& out) {
  const RunInfo& info = report.info;
  const TagStats& total = report.metrics.total;
  const Figures figures = ComputeFigures(total, info);
  out << "loadgate run \"" << info.name << "\"";
  if (!info.load_model.empty()) out << ": " << info.load_model;
  out << ", " << FormatFixed(Seconds(info.actual_duration_ns), 1) << " s";
  if (info.planned_duration_ns > 0) {
    out << " (planned " << FormatFixed(Seconds(info.planned_duration_ns), 1)
        << " s)";
  }
  out << '\n';
  if (!info.stop_reason.empty()) {
    out << "  stopped early: " << info.stop_reason << '\n';
  }
  out << "  requests     " << figures.requests << " at "
      << FormatFixed(figures.achieved_rps, 1) << " req/s";
  if (info.target_rps > 0) {
    out << " (target " << FormatFixed(info.target_rps, 1) << " req/s, "
        << FormatFixed(100 * figures.achieved_rps / info.target_rps, 1)
        << " %)";
  }
  if (info.users > 0) out << ", " << info.users << " users";
  out << '\n';
  out << "  errors       " << DescribeErrors(total) << '\n';
  out << "  goodput      " << FormatFixed(figures.goodput_rps, 1)
      << " req/s, SLO attainment "
      << FormatFixed(100 * figures.slo_attainment, 2) << " %\n";
  WriteTimeLines(total, out);
  if (total.output_tokens > 0 || total.prompt_tokens > 0) {
    out << "  tokens       output " << total.output_tokens << " ("
        << FormatFixed(figures.output_tokens_per_s, 1) << " tokens/s), prompt "
        << total.prompt_tokens << " ("
        << FormatFixed(figures.input_tokens_per_s, 1) << " tokens/s)";
    if (figures.estimated_cost_usd > 0) {
      out << ", estimated cost $" << FormatFixed(figures.estimated_cost_usd, 4);
    }
    out << '\n';
  }
  for (const TagStats& tag : report.metrics.tags) {
    if (tag.requests == 0) continue;
    out << "  [" << tag.name << "] " << tag.requests << " requests, "
        << tag.errors << " errors; " << PercentileLine(tag.latency) << '\n';
  }
  for (const CustomMetric& metric : report.metrics.custom) {
    if (metric.count == 0) continue;
    out << "  {" << metric.name << "} " << metric.count << " times, "
        << metric.failures << " failed; " << PercentileLine(metric.value)
        << '\n';
  }
}

void PrintTo(const RunReport& report, std::ostream* out) {
  *out << "run \"" << report.info.name << "\": " << report.requests()
       << " requests, " << report.errors() << " errors over "
       << FormatFixed(Seconds(report.info.actual_duration_ns), 1) << " s";
}

}  // namespace loadgate
