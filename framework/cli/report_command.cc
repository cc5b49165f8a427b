// `loadgate report`: JSON reports to one self-contained HTML page.
#include "report_command.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/cli_options.h"
#include "loadgate/config.h"
#include "loadgate/html_report.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "output_file.h"

namespace loadgate::cli {

const std::string_view kReportUsage = R"(Usage:
  loadgate report --in REPORT.json [--in MORE.json]... [--slo EXPR]...
                  --out REPORT.html

Renders JSON reports (from `loadgate run --out` or the GoogleTest fixture)
as one self-contained HTML page: run info, SLO verdicts, per-endpoint table,
charts of latency percentiles, rate and errors over time, the latency
distribution and, for LLM runs, TTFT, inter-token latency, tokens/s and the
estimated cost. The page needs no network to be viewed.

Options:
  --in FILE      a JSON report (repeatable: one section per run)
  --slo EXPR     an objective judged against every run (repeatable), e.g.
                 "p95(latency) < 300ms", "error_rate < 1%"
  --out FILE     the HTML file to write
  -h, --help     this help

Exit status: 0 written (and every --slo met), 1 an objective given with
--slo failed or a judged run stopped early or recorded nothing (the page is
written either way), 2 bad input (usage, unreadable or invalid report).
)";

namespace {

struct ReportOptions {
  std::vector<std::string> in_paths;
  std::vector<Objective> slos;
  std::string out_path;
  bool help = false;
};

ReportOptions ParseReportArgs(const std::vector<std::string>& args) {
  ReportOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg != "--in" && arg != "--slo" && arg != "--out") {
      throw UsageError("unknown option " + arg +
                       " (see loadgate report --help)");
    }
    if (i + 1 == args.size()) throw UsageError(arg + " needs a value");
    const std::string& value = args[++i];
    if (arg == "--in") {
      options.in_paths.push_back(value);
    } else if (arg == "--out") {
      options.out_path = value;
    } else {
      try {
        options.slos.push_back(ParseObjective(value));
      } catch (const std::invalid_argument& error) {
        throw UsageError("--slo: " + std::string(error.what()));
      }
    }
  }
  if (options.in_paths.empty())
    throw UsageError("--in REPORT.json is required");
  if (options.out_path.empty())
    throw UsageError("--out REPORT.html is required");
  return options;
}

}  // namespace

int ReportCommand(const std::vector<std::string>& args) {
  const ReportOptions options = ParseReportArgs(args);
  if (options.help) {
    std::cout << kReportUsage;
    return kExitOk;
  }
  std::vector<RunReport> runs;
  std::vector<std::vector<ObjectiveResult>> slos_by_run;
  std::vector<std::string> stems;
  size_t judged = 0;
  size_t failed = 0;
  for (const std::string& path : options.in_paths) {
    runs.push_back(ReadReportFile(path));
    stems.push_back(std::filesystem::path(path).stem().string());
    std::vector<ObjectiveResult>& results = slos_by_run.emplace_back();
    for (const Objective& objective : options.slos) {
      results.push_back(Evaluate(objective, runs.back()));
      ++judged;
      failed += results.back().passed ? 0 : 1;
    }
    // Judging a run that stopped early or recorded nothing fails whatever
    // its objectives say (the page shows why).
    if (!options.slos.empty()) {
      const size_t unfit = RunIntegrityVerdicts(runs.back()).size();
      judged += unfit;
      failed += unfit;
    }
  }

  // A run whose name another run of the page shares (the suites' presets
  // all run "db_api") is titled after its report file, which the suites
  // name after the test ("Presets_DbApiLoad.MeetsSlos_rps_100.json"); a run
  // with a name of its own keeps it.
  std::vector<std::string> titles(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    for (size_t j = 0; j < runs.size(); ++j) {
      if (j != i && runs[j].info.name == runs[i].info.name) {
        titles[i] = stems[i];
        break;
      }
    }
  }
  WriteOutputFile(options.out_path, [&](std::ostream& out) {
    WriteHtmlReport(runs, slos_by_run, titles, out);
  });
  std::cout << "wrote " << options.out_path << " (" << runs.size()
            << (runs.size() == 1 ? " run" : " runs");
  if (!options.slos.empty()) {
    std::cout << "; SLO results: " << judged - failed << " passed, " << failed
              << " failed";
  }
  std::cout << ")\n";
  return failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace loadgate::cli
