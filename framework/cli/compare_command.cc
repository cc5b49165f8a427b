// `loadgate compare`: the CI gate over JSON reports of a baseline and a
// candidate.
#include "compare_command.h"

#include <charconv>
#include <iostream>
#include <stdexcept>

#include "config/cli_options.h"
#include "loadgate/gate.h"
#include "loadgate/report.h"
#include "output_file.h"

namespace loadgate::cli {

const std::string_view kCompareUsage = R"(Usage:
  loadgate compare --baseline FILE... --current FILE... [options]

Compares JSON reports (loadgate run -o) of a candidate with a baseline and
exits 1 when a metric regressed. Give several files per side for repeated
runs: each side's histograms are merged exactly and the percentiles taken
from the merge (not averaged over runs).

Compared, for the whole run and for every tag both sides have:
  latency.p95, latency.p99   may grow at most 10 %, and always by 1 ms
  error_rate                 may grow at most 0.5 percentage points
  achieved_rps               may drop at most 5 %
  ttft.p95                   may grow at most 10 %, and always by 1 ms
                             (streaming runs only)
A metric seen on fewer than --min-samples values (requests, streams) on
either side is listed as not judged: its percentiles are noise.

Rule: let worsening = current - baseline of the merged values (baseline -
current for rates), allowed = the tolerance in the metric's unit, and
spread = the range (max - min) of the per-run values of the BASELINE runs
(the baseline is where noise is measured). The metric regresses when
worsening > allowed AND (fewer than 2 baseline runs OR worsening > spread).
With one baseline run only the tolerance applies.

A current run that stopped early (a safety limit, an interrupt) is a
regression. Refused as bad input: a baseline run that stopped early, and
runs that measured different loads (load model, target rate or planned
duration differ between a baseline and a current run).

Options:
  --baseline FILE...     baseline reports (one or more)
  --current FILE...      current reports (one or more)
  --tolerance M=V        override or add a tolerance (repeatable):
                         latency.p95=15%, latency.p95=15%,2ms (at least
                         2 ms), error_rate=0.2pt, ttft.p99=50ms,
                         goodput_rps=3%
  --min-samples N        values each side needs for a metric to be judged
                         (default 100)
  --summary-md FILE      also write the Markdown table (e.g.
                         "$GITHUB_STEP_SUMMARY"; appended to, not replaced)
  --junit FILE           JUnit XML: one testsuite named after the current
                         reports, one testcase per compared metric
                         ("latency.p95 does not regress") and per current
                         run ("current run 1 runs to its planned end")
  --junit-suite NAME     the testsuite's name (default: the file name the
                         current reports share, without .json)
  -h, --help             this help

Exit status: 0 no regression, 1 a regression, 2 bad input or nothing
judged (every metric skipped).
)";

namespace {

struct CompareOptions {
  std::vector<std::string> baseline_paths;
  std::vector<std::string> current_paths;
  std::vector<GateMetric> metrics = DefaultGateMetrics();
  uint64_t min_samples = kDefaultMinSamples;
  std::string summary_path;
  std::string junit_path;
  std::string junit_suite;  // empty: GateSuiteName
  bool help = false;
};

CompareOptions ParseCompareArgs(const std::vector<std::string>& args) {
  CompareOptions options;
  std::vector<std::string>* files = nullptr;  // the list being filled
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      files = nullptr;
    } else if (arg == "--baseline") {
      files = &options.baseline_paths;
    } else if (arg == "--current") {
      files = &options.current_paths;
    } else if (arg == "--tolerance") {
      files = nullptr;
      try {
        ApplyToleranceOverride(value(), options.metrics);
      } catch (const std::invalid_argument& error) {
        throw UsageError("--tolerance: " + std::string(error.what()));
      }
    } else if (arg == "--min-samples") {
      files = nullptr;
      const std::string& text = value();
      uint64_t count = 0;
      const auto [end, error] =
          std::from_chars(text.data(), text.data() + text.size(), count);
      if (error != std::errc() || end != text.data() + text.size()) {
        throw UsageError("--min-samples: expected a whole number >= 0, got \"" +
                         text + "\"");
      }
      options.min_samples = count;
    } else if (arg == "--summary-md") {
      files = nullptr;
      options.summary_path = value();
    } else if (arg == "--junit") {
      files = nullptr;
      options.junit_path = value();
    } else if (arg == "--junit-suite") {
      files = nullptr;
      options.junit_suite = value();
    } else if (arg.starts_with("-") && arg != "-") {
      throw UsageError("unknown option " + arg +
                       " (loadgate compare --help lists them)");
    } else if (files != nullptr) {
      files->push_back(arg);
    } else {
      throw UsageError("unexpected argument \"" + arg +
                       "\" (report files follow --baseline or --current)");
    }
  }
  if (!options.help &&
      (options.baseline_paths.empty() || options.current_paths.empty())) {
    throw UsageError("compare needs --baseline FILE... and --current FILE...");
  }
  return options;
}

std::vector<RunReport> ReadReports(const std::vector<std::string>& paths) {
  std::vector<RunReport> reports;
  for (const std::string& path : paths) {
    reports.push_back(ReadReportFile(path));
  }
  return reports;
}

}  // namespace

int CompareCommand(const std::vector<std::string>& args) {
  const CompareOptions options = ParseCompareArgs(args);
  if (options.help) {
    std::cout << kCompareUsage;
    return kExitOk;
  }
  // Read in command-line order, so an error names the first bad file.
  const std::vector<RunReport> baseline = ReadReports(options.baseline_paths);
  const std::vector<RunReport> current = ReadReports(options.current_paths);
  const GateResult result =
      Compare(baseline, current, options.metrics, options.min_samples,
              {options.baseline_paths, options.current_paths});

  WriteGateMarkdown(result, std::cout);
  std::cout.flush();
  if (!options.summary_path.empty()) {
    // Appended: $GITHUB_STEP_SUMMARY collects every step's output.
    WriteOutputFile(
        options.summary_path,
        [&](std::ostream& out) { WriteGateMarkdown(result, out); },
        std::ios::app);
  }
  if (!options.junit_path.empty()) {
    WriteOutputFile(options.junit_path, [&](std::ostream& out) {
      WriteGateJUnit(result,
                     options.junit_suite.empty()
                         ? GateSuiteName(options.current_paths, current)
                         : options.junit_suite,
                     out);
    });
  }
  if (!result.judged()) {
    // Passing here would let a gate that saw nothing stay green.
    std::string reasons;
    for (const std::string& skipped : result.skipped) {
      reasons += (reasons.empty() ? "" : "; ") + skipped;
    }
    std::cerr << "loadgate compare: nothing could be judged, every metric "
                 "was skipped: "
              << reasons << "\n";
    return kExitBadInput;
  }
  for (const StoppedRun& stopped : result.stopped_early) {
    std::cerr << "regression: " << stopped.message << "\n";
  }
  for (const GateRow& row : result.rows) {
    if (row.regressed) std::cerr << "regression: " << row.message << "\n";
  }
  return result.regressed() ? kExitFailed : kExitOk;
}

}  // namespace loadgate::cli
