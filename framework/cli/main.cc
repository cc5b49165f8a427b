// loadgate: run load scenarios from the command line (see --help).
#include <iostream>
#include <string>
#include <vector>

#include "capacity_command.h"
#include "collect_command.h"
#include "compare_command.h"
#include "config/cli_options.h"
#include "merge_command.h"
#include "report_command.h"
#include "run_command.h"

namespace loadgate::cli {
namespace {

// The commands that take run options: run, validate, version and help.
int RunCommandLine(const CommandLine& command_line) {
  switch (command_line.command) {
    case CommandLine::Command::kHelp:
      std::cout << kUsage;
      return kExitOk;
    case CommandLine::Command::kRunHelp:
      std::cout << kRunUsage;
      return kExitOk;
    case CommandLine::Command::kVersion:
      std::cout << "loadgate " << kVersion << "\n";
      return kExitOk;
    case CommandLine::Command::kValidate:
      return ValidateCommand(command_line);
    case CommandLine::Command::kRun:
      return RunCommand(command_line);
  }
  return kExitBadInput;
}

}  // namespace
}  // namespace loadgate::cli

int main(int argc, char** argv) {
  namespace cli = loadgate::cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string command = args.empty() ? "" : args[0];
  // `compare`, `merge`, `report` and `collect` read reports, not run
  // options, and `capacity` has flags of its own, so they parse their own
  // arguments; their bad input names them.
  const bool reads_reports = command == "compare" || command == "merge" ||
                             command == "report" || command == "collect" ||
                             command == "capacity";
  try {
    if (reads_reports) {
      const std::vector<std::string> rest(args.begin() + 1, args.end());
      if (command == "compare") return cli::CompareCommand(rest);
      if (command == "merge") return cli::MergeCommand(rest);
      if (command == "collect") return cli::CollectCommand(rest);
      if (command == "capacity") return cli::CapacityCommand(rest);
      return cli::ReportCommand(rest);
    }
    return cli::RunCommandLine(cli::ParseCommandLine(args));
  } catch (const std::exception& error) {
    // A UsageError, a ConfigError naming the file and field, a report that
    // cannot be read or written, or whatever kept a run from starting (e.g.
    // no usable address): all bad input, reported the one way.
    return cli::ReportBadInput(
        reads_reports ? "loadgate " + command : "loadgate", error);
  }
}
