// What `loadgate run` and `loadgate merge` do with a finished report: judge
// it (the objectives, then whatever makes the run unfit to pass) and write
// the JSON, CSV, per-SLO JUnit and HTML files asked for, opened before the
// work so that a bad path costs nothing.
#ifndef LOADGATE_CLI_REPORT_OUTPUTS_H_
#define LOADGATE_CLI_REPORT_OUTPUTS_H_

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate::cli {

struct ReportPaths {
  std::string json, csv, junit, html;  // empty: not written
  // The JUnit <testsuite> name; empty: the run's name (or "loadgate").
  std::string junit_suite;
};

// The files of ReportPaths, opened (truncated) at construction; throws for a
// path that cannot be opened, naming it.
class ReportOutputs {
 public:
  explicit ReportOutputs(ReportPaths paths);

  // Writes every file asked for. A file that cannot be written is reported
  // on stderr and the others are still written: the verdict stands.
  void Write(const RunReport& report);

 private:
  ReportPaths paths_;
  std::optional<std::ofstream> json_, csv_, junit_, html_;
};

// Appends to report.slos the verdict on each objective, then the verdicts
// on the run itself (RunIntegrityVerdicts); returns how many failed.
size_t Judge(const std::vector<Objective>& objectives, RunReport& report);

// "SLOs: 3 passed, 1 failed" and each verdict's explanation; nothing when
// nothing was judged.
void PrintVerdicts(const RunReport& report, size_t failed, bool quiet);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_REPORT_OUTPUTS_H_
