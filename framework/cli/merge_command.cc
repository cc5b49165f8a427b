// `loadgate merge`: shard reports to the whole test's report, judged.
#include "merge_command.h"

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/cli_options.h"
#include "loadgate/config.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/shard_merge.h"
#include "report_outputs.h"

namespace loadgate::cli {

const std::string_view kMergeUsage = R"(Usage:
  loadgate merge [-o FILE] [--csv FILE] [--junit FILE [--junit-suite NAME]]
                 [--html FILE] [--slo EXPR]... [--expect N] [-q] REPORT...

Merges the JSON reports of a sharded test (`loadgate run --shard K/N`, or
LOADGATE_SHARD in a GoogleTest suite) into one report of the whole test:
histograms merged exactly (the merged p99 is the p99 of every request of
every shard), counts, tokens and cost added, per-second series aligned by
wall-clock second. The objectives the shards stored and those given with
--slo are judged on the merged report.

Options:
  -o, --out FILE  the merged JSON report
  --csv FILE      Locust-style stats CSV of the merged report
  --junit FILE    per-SLO JUnit XML (one <testcase> per objective, named
                  as the shards named it: EXPECT_SLO's words in a suite)
  --junit-suite NAME
                  its <testsuite> name (default: the run's name); give a
                  GoogleTest test's name (Presets/DbApiLoad.MeetsSlos/rps_100)
                  and the file matches a single-process run's
  --html FILE     the HTML report
  --slo EXPR      an objective judged on the merged report (repeatable)
  --expect N      the test has N shards (a report of another test fails)
  -q, --quiet     no summary, only the verdicts
  -h, --help      this help

Exit status: 0 every objective holds, 1 an objective failed, a shard is
missing or a shard stopped early (the outputs are written either way), 2
reports that cannot be merged (not shards, shards of different tests, a
shard given twice) or bad input, naming the files.
)";

namespace {

int ParseShardCount(const std::string& text) {
  try {
    size_t used = 0;
    const int count = std::stoi(text, &used);
    if (used == text.size() && count >= 1) return count;
  } catch (const std::logic_error&) {
  }
  throw UsageError("--expect: expected a shard count >= 1, got \"" + text +
                   "\"");
}

}  // namespace

MergeOptions ParseMergeArgs(const std::vector<std::string>& args,
                            bool take_reports) {
  MergeOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg == "-q" || arg == "--quiet") {
      options.quiet = true;
      continue;
    }
    if (!arg.starts_with("-")) {
      if (!take_reports) {
        throw UsageError("unexpected argument " + arg +
                         " (the shards send their reports)");
      }
      options.report_paths.push_back(arg);
      continue;
    }
    const bool takes_value = arg == "-o" || arg == "--out" || arg == "--csv" ||
                             arg == "--junit" || arg == "--html" ||
                             arg == "--slo" || arg == "--expect" ||
                             arg == "--junit-suite";
    if (!takes_value) {
      throw UsageError("unknown option " + arg +
                       " (see loadgate merge --help)");
    }
    if (i + 1 == args.size()) throw UsageError(arg + " needs a value");
    const std::string& value = args[++i];
    if (arg == "-o" || arg == "--out") {
      options.outputs.json = value;
    } else if (arg == "--csv") {
      options.outputs.csv = value;
    } else if (arg == "--junit") {
      options.outputs.junit = value;
    } else if (arg == "--html") {
      options.outputs.html = value;
    } else if (arg == "--junit-suite") {
      options.outputs.junit_suite = value;
    } else if (arg == "--slo") {
      options.slos.push_back(value);
    } else {
      options.expected_shards = ParseShardCount(value);
    }
  }
  if (take_reports && options.report_paths.empty()) {
    throw UsageError("no report to merge (see loadgate merge --help)");
  }
  return options;
}

namespace {

// The shards' stored objectives, then --slo; a stored one that does not
// parse is bad input.
std::vector<Objective> ObjectivesToJudge(
    const MergeOptions& options, const std::vector<StoredObjective>& stored) {
  std::vector<Objective> objectives;
  for (const StoredObjective& objective : stored) {
    try {
      objectives.push_back(ParseObjective(objective.expression));
    } catch (const std::invalid_argument& error) {
      throw UsageError("an objective stored in the reports, \"" +
                       objective.expression + "\": " + error.what());
    }
  }
  for (const std::string& expression : options.slos) {
    try {
      objectives.push_back(ParseObjective(expression));
    } catch (const std::invalid_argument& error) {
      throw UsageError("--slo: " + std::string(error.what()));
    }
  }
  return objectives;
}

}  // namespace

int MergeJudgeAndWrite(ShardMerger& merger, const MergeOptions& options,
                       ReportOutputs& outputs) {
  const std::vector<StoredObjective> stored = merger.stored_objectives();
  const std::vector<Objective> objectives = ObjectivesToJudge(options, stored);
  const int merged_count = merger.added();
  ShardMergeResult merged = merger.Finish();
  RunReport& report = merged.report;
  size_t failed = Judge(objectives, report);
  // The stored objectives' verdicts come first: named as the shards named
  // them (EXPECT_SLO's words), so the JUnit testcases are those of a
  // single-process run of the test.
  for (size_t i = 0; i < stored.size(); ++i) {
    report.slos[i].objective = stored[i].name;
  }
  for (SloVerdict& verdict : MissingShardVerdicts(merged)) {
    report.slos.push_back(std::move(verdict));
    ++failed;
  }
  outputs.Write(report);
  if (!options.quiet) WriteSummary(report, std::cout);
  PrintVerdicts(report, failed, options.quiet);
  std::cout << "merged " << merged_count << " of " << merged.shard_count
            << " shards\n";
  return failed > 0 ? kExitFailed : kExitOk;
}

int MergeCommand(const std::vector<std::string>& args) {
  const MergeOptions options = ParseMergeArgs(args);
  if (options.help) {
    std::cout << kMergeUsage;
    return kExitOk;
  }
  ReportOutputs outputs(options.outputs);
  // One report in memory at a time, beside the running total.
  ShardMerger merger(options.expected_shards);
  for (const std::string& path : options.report_paths) {
    merger.Add(ReadReportFile(path), path);
  }
  return MergeJudgeAndWrite(merger, options, outputs);
}

}  // namespace loadgate::cli
