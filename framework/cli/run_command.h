// The commands behind `loadgate run` and `loadgate validate`.
#ifndef LOADGATE_CLI_RUN_COMMAND_H_
#define LOADGATE_CLI_RUN_COMMAND_H_

// loadgate_cli sees the public headers only; this one includes no others.
#include "config/cli_options.h"

namespace loadgate::cli {

// Runs the scenario or ad-hoc request, prints progress, the summary and the
// SLO verdicts, writes the requested reports; returns the exit code.
// Throws ConfigError for a bad scenario file.
int RunCommand(const CommandLine& command_line);

// Loads and validates the scenario file and describes what it would run.
// Throws ConfigError.
int ValidateCommand(const CommandLine& command_line);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_RUN_COMMAND_H_
