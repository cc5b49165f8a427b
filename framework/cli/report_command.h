// The command behind `loadgate report`: JSON reports to one HTML page.
#ifndef LOADGATE_CLI_REPORT_COMMAND_H_
#define LOADGATE_CLI_REPORT_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kReportUsage;  // loadgate report --help

// `args` follow the word "report". Writes the HTML report and returns
// kExitOk, or kExitFailed when an objective given with --slo failed or a run
// it judged is unfit (stopped early, recorded nothing). Throws for bad input
// (an option, a file or field); main prints it as ReportBadInput does.
int ReportCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_REPORT_COMMAND_H_
