// loadgate: run load scenarios from the command line (see --help).
#include <iostream>
#include <string>
#include <vector>

#include "compare_command.h"
#include "config/cli_options.h"
#include "report_command.h"
#include "run_command.h"

int main(int argc, char** argv) {
  using loadgate::cli::CommandLine;
  const std::vector<std::string> args(argv + 1, argv + argc);
  // `compare` and `report` read reports, not run options, so they parse their
  // own (and report their own bad input, the same way).
  if (!args.empty() && args[0] == "compare") {
    return loadgate::cli::CompareCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "report") {
    return loadgate::cli::ReportCommand({args.begin() + 1, args.end()});
  }
  try {
    const CommandLine command_line = loadgate::cli::ParseCommandLine(args);
    switch (command_line.command) {
      case CommandLine::Command::kHelp:
        std::cout << loadgate::cli::kUsage;
        return loadgate::cli::kExitOk;
      case CommandLine::Command::kRunHelp:
        std::cout << loadgate::cli::kRunUsage;
        return loadgate::cli::kExitOk;
      case CommandLine::Command::kVersion:
        std::cout << "loadgate " << loadgate::cli::kVersion << "\n";
        return loadgate::cli::kExitOk;
      case CommandLine::Command::kValidate:
        return loadgate::cli::ValidateCommand(command_line);
      case CommandLine::Command::kRun:
        return loadgate::cli::RunCommand(command_line);
    }
  } catch (const std::exception& error) {
    // A UsageError, a ConfigError naming the file and field, or whatever
    // kept the run from starting (e.g. no usable address): all bad input.
    return loadgate::cli::ReportBadInput("loadgate", error);
  }
  return loadgate::cli::kExitBadInput;
}
