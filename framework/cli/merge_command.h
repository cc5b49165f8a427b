// The command behind `loadgate merge`: the reports of a sharded test's
// shards to one report of the whole test, judged.
#ifndef LOADGATE_CLI_MERGE_COMMAND_H_
#define LOADGATE_CLI_MERGE_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

#include "loadgate/report.h"
#include "loadgate/shard_merge.h"
#include "report_outputs.h"

namespace loadgate::cli {

extern const std::string_view kMergeUsage;  // loadgate merge --help

// `args` follow the word "merge". Returns kExitOk when every objective
// holds, kExitFailed when one fails, a shard is missing or a shard stopped
// early. Throws for bad input (an option, a file, reports that cannot be
// merged); main reports it with kExitBadInput.
int MergeCommand(const std::vector<std::string>& args);

// What merge does with its reports, shared with `loadgate collect`.
struct MergeOptions {
  std::vector<std::string> report_paths;
  std::vector<std::string> slos;
  ReportPaths outputs;
  int expected_shards = 0;
  bool quiet = false;
  bool help = false;
};

// Reads merge's options from `args`; with `take_reports` false a report
// path is refused (collect receives its reports). Throws UsageError.
MergeOptions ParseMergeArgs(const std::vector<std::string>& args,
                            bool take_reports = true);

// Finishes the merge of the shards added to `merger`, judges the stored
// objectives and --slo on the whole test, writes the outputs and prints the
// summary and verdicts; returns the exit code as MergeCommand does.
int MergeJudgeAndWrite(ShardMerger& merger, const MergeOptions& options,
                       ReportOutputs& outputs);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_MERGE_COMMAND_H_
