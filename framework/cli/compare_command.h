// The command behind `loadgate compare`: the CI gate.
#ifndef LOADGATE_CLI_COMPARE_COMMAND_H_
#define LOADGATE_CLI_COMPARE_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kCompareUsage;  // loadgate compare --help

// `args` follow the word "compare". Prints the Markdown verdict and returns
// kExitOk, kExitFailed on a regression (a metric, or a current run that
// stopped early), or kExitBadInput after one line on stderr saying why
// nothing could be judged (every metric skipped). Throws for bad input (an
// option, a file or field, two runs that measured different loads); main
// prints it as ReportBadInput does.
int CompareCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_COMPARE_COMMAND_H_
