// The command behind `loadgate report`: JSON reports to one HTML page.
#ifndef LOADGATE_CLI_REPORT_COMMAND_H_
#define LOADGATE_CLI_REPORT_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace loadgate::cli {

extern const std::string_view kReportUsage;  // loadgate report --help

// `args` follow the word "report". Writes the HTML report and returns
// kExitOk (the SLO verdicts are in the page; `run` and `compare` are the
// gates), or kExitBadInput after one line on stderr naming the bad option,
// file or field.
int ReportCommand(const std::vector<std::string>& args);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_REPORT_COMMAND_H_
