// loadgate: run load scenarios from the command line (see --help).
#include <iostream>
#include <string>
#include <vector>

#include "loadgate/config.h"
#include "run_command.h"

int main(int argc, char** argv) {
  using loadgate::cli::CommandLine;
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
