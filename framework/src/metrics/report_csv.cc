// WriteCsv (report.h): Locust's stats CSV, one row per tag and an
// "Aggregated" row, so that tools reading Locust's output read loadgate's.
#include <cmath>
#include <ostream>
#include <string>
#include <utility>

#include "loadgate/report.h"
#include "metrics/figures.h"
#include "metrics/report_units.h"

namespace loadgate {
namespace {

using report_internal::kNanosPerMilli;
using report_internal::PerSecond;

// "GET /patients" -> {"GET", "/patients"}; anything else has no method.
std::pair<std::string, std::string> SplitMethod(const std::string& tag) {
  const size_t space = tag.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= tag.size()) {
    return {"", tag};
  }
  for (size_t i = 0; i < space; ++i) {
    if (tag[i] < 'A' || tag[i] > 'Z') return {"", tag};
  }
  return {tag.substr(0, space), tag.substr(space + 1)};
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void WriteCsvRow(const std::string& type, const std::string& name,
                 const TagStats& stats, const RunInfo& info,
                 std::ostream& out) {
  const Figures figures = ComputeFigures(stats, info);
  const Histogram& latency = stats.latency;
  // Locust rounds percentiles to whole milliseconds and averages to floats.
  auto ms = [](double ns) { return std::llround(ns / kNanosPerMilli); };
  out << CsvField(type) << ',' << CsvField(name) << ',' << stats.requests << ','
      << stats.errors << ',';
  if (stats.requests == 0) {
    out << "0,0,0,0,0,0,0";
    for (int i = 0; i < 11; ++i) out << ",N/A";
    out << '\n';
    return;
  }
  out << ms(static_cast<double>(latency.Percentile(50))) << ','
      << latency.mean() / kNanosPerMilli << ','
      << static_cast<double>(latency.min()) / kNanosPerMilli << ','
      << static_cast<double>(latency.max()) / kNanosPerMilli << ','
      << static_cast<double>(stats.bytes_received) /
             static_cast<double>(stats.requests)
      << ',' << figures.achieved_rps << ',' << PerSecond(stats.errors, info);
  for (double p :
       {50.0, 66.0, 75.0, 80.0, 90.0, 95.0, 98.0, 99.0, 99.9, 99.99, 100.0}) {
    out << ',' << ms(static_cast<double>(latency.Percentile(p)));
  }
  out << '\n';
}

}  // namespace

void WriteCsv(const RunReport& report, std::ostream& out) {
  out << "Type,Name,Request Count,Failure Count,Median Response Time,"
         "Average Response Time,Min Response Time,Max Response Time,"
         "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,"
         "98%,99%,99.9%,99.99%,100%\n";
  for (const TagStats& tag : report.metrics.tags) {
    const auto [type, name] = SplitMethod(tag.name);
    WriteCsvRow(type, name, tag, report.info, out);
  }
  WriteCsvRow("", "Aggregated", report.metrics.total, report.info, out);
}

}  // namespace loadgate
