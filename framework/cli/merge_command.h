// The command behind `loadgate merge`: the reports of a sharded test's
// shards to one report of the whole test, judged.
#ifndef LOADGATE_CLI_MERGE_COMMAND_H_
#define LOADGATE_CLI_MERGE_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kMergeUsage;  // loadgate merge --help

// `args` follow the word "merge". Returns kExitOk when every objective
// holds, kExitFailed when one fails, a shard is missing or a shard stopped
// early. Throws for bad input (an option, a file, reports that cannot be
// merged); main reports it with kExitBadInput.
int MergeCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_MERGE_COMMAND_H_
