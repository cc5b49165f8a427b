// loadgate: run load scenarios from the command line (see --help).
#include <iostream>
#include <string>
#include <vector>

#include "compare_command.h"
#include "loadgate/config.h"
#include "report_command.h"
#include "run_command.h"

int main(int argc, char** argv) {
  using loadgate::cli::CommandLine;
  // `compare` and `report` read reports, not run options, so they parse their
  // own.
  if (argc > 1 && std::string(argv[1]) == "compare") {
    return loadgate::cli::CompareCommand(
        std::vector<std::string>(argv + 2, argv + argc));
  }
  if (argc > 1 && std::string(argv[1]) == "report") {
    return loadgate::cli::ReportCommand(
        std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    const CommandLine command_line = loadgate::cli::ParseCommandLine(
        std::vector<std::string>(argv + 1, argv + argc));
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
  } catch (const loadgate::cli::UsageError& error) {
    std::cerr << "loadgate: " << error.what() << "\n";
  } catch (const loadgate::ConfigError& error) {
    std::cerr << "loadgate: " << error.what() << "\n";
  } catch (const std::exception& error) {
    // Whatever kept the run from starting (e.g. no usable address).
    std::cerr << "loadgate: " << error.what() << "\n";
  }
  return loadgate::cli::kExitBadInput;
}
