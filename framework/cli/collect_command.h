// The command behind `loadgate collect`: the one coordinator of a sharded
// test. It receives the shards' reports over HTTP (`loadgate run ...
// --send-report URL`), and once all have arrived, or its deadline passed,
// merges and judges them as `loadgate merge` does.
#ifndef LOADGATE_CLI_COLLECT_COMMAND_H_
#define LOADGATE_CLI_COLLECT_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kCollectUsage;  // loadgate collect --help

// `args` follow the word "collect". Returns merge's exit code for what
// arrived (kExitFailed when a shard is missing at the deadline or none
// arrived). Throws for bad input (an option, an address it cannot listen
// on).
int CollectCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_COLLECT_COMMAND_H_
