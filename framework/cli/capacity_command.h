// The command behind `loadgate capacity`: a scenario file or ad-hoc request
// searched for the highest rate that meets its objectives (capacity.h).
#ifndef LOADGATE_CLI_CAPACITY_COMMAND_H_
#define LOADGATE_CLI_CAPACITY_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kCapacityUsage;  // loadgate capacity --help

// `args` follow the word "capacity". Returns kExitOk, or kExitFailed when
// the search refused or --require was not met (saying why on stderr and in
// capacity.json). Throws for bad input; main reports it with kExitBadInput.
int CapacityCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_CAPACITY_COMMAND_H_
