#include "report_outputs.h"

#include <algorithm>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <utility>

#include "loadgate/gate.h"
#include "loadgate/html_report.h"
#include "output_file.h"

namespace loadgate::cli {
namespace {

std::optional<std::ofstream> OpenIfNamed(const std::string& path) {
  if (path.empty()) return std::nullopt;
  return OpenOutputFile(path);
}

void WriteOutput(std::optional<std::ofstream>& out, const std::string& path,
                 const std::function<void(std::ostream&)>& write) {
  if (!out) return;
  write(*out);
  try {
    CloseOutputFile(*out, path);
  } catch (const std::runtime_error& error) {
    std::cerr << "loadgate: " << error.what() << "\n";
  }
}

}  // namespace

ReportOutputs::ReportOutputs(ReportPaths paths)
    : paths_(std::move(paths)),
      json_(OpenIfNamed(paths_.json)),
      csv_(OpenIfNamed(paths_.csv)),
      junit_(OpenIfNamed(paths_.junit)),
      html_(OpenIfNamed(paths_.html)) {}

void ReportOutputs::Write(const RunReport& report) {
  WriteOutput(json_, paths_.json,
              [&](std::ostream& out) { WriteJson(report, out); });
  WriteOutput(csv_, paths_.csv,
              [&](std::ostream& out) { WriteCsv(report, out); });
  WriteOutput(junit_, paths_.junit, [&](std::ostream& out) {
    // Each objective is judged on the whole run: its time is the run's.
    WriteSloJUnit(
        {{.name = !paths_.junit_suite.empty() ? paths_.junit_suite
                  : report.info.name.empty()  ? "loadgate"
                                              : report.info.name,
          .verdicts = report.slos,
          .seconds =
              static_cast<double>(report.info.actual_duration_ns) / 1e9}},
        out);
  });
  WriteOutput(html_, paths_.html, [&](std::ostream& out) {
    WriteHtmlReport({report}, std::vector<ObjectiveResult>(), out);
  });
}

size_t Judge(const std::vector<Objective>& objectives, RunReport& report) {
  for (const Objective& objective : objectives) {
    report.slos.push_back(ToVerdict(Evaluate(objective, report)));
  }
  for (SloVerdict& verdict : RunIntegrityVerdicts(report)) {
    report.slos.push_back(std::move(verdict));
  }
  return static_cast<size_t>(
      std::count_if(report.slos.begin(), report.slos.end(),
                    [](const SloVerdict& verdict) { return !verdict.passed; }));
}

void PrintVerdicts(const RunReport& report, size_t failed, bool quiet) {
  if (report.slos.empty()) return;
  if (!quiet) std::cout << "\n";  // apart from the summary
  std::cout << "SLOs: " << report.slos.size() - failed << " passed, " << failed
            << " failed\n";
  for (const SloVerdict& verdict : report.slos) {
    std::cout << "  " << verdict.explanation << "\n";
  }
}

}  // namespace loadgate::cli
