// Runs a program to completion and captures what it printed, for tests of
// the command-line tools.
#ifndef LOADGATE_TESTS_SUPPORT_RUN_COMMAND_H_
#define LOADGATE_TESTS_SUPPORT_RUN_COMMAND_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace loadgate::test_support {

struct CommandResult {
  int exit_code = -1;  // -1 when it could not start or did not exit normally
  std::string out;
  std::string err;
};

// Called with the process id once the program has started, before waiting
// for it: a test may signal it (Ctrl-C) at the moment it chooses.
using WhileRunning = std::function<void(pid_t)>;

// Runs `argv` (argv[0] is the program's path) with stdout and stderr written
// to files in `scratch_dir`. A program still running after `timeout` is
// killed and the test fails, so a hung tool cannot hang the suite.
CommandResult RunCommand(std::vector<std::string> argv,
                         const std::filesystem::path& scratch_dir,
                         std::chrono::seconds timeout = std::chrono::minutes(1),
                         const WhileRunning& while_running = {});

// The whole file, or "" when it cannot be read.
std::string ReadFileText(const std::filesystem::path& path);

// Polls the file (a running program's stderr, say) until it holds
// `marker`, for up to `timeout`: its whole text then, or "" if the marker
// never came.
std::string WaitForText(
    const std::filesystem::path& path, std::string_view marker,
    std::chrono::seconds timeout = std::chrono::seconds(10));

// The URL a `loadgate collect` writing its stderr into `scratch_dir` says
// it listens at, once it says so (within 10 s); "" if it did not.
std::string CollectorUrl(const std::filesystem::path& scratch_dir);

// bin/loadgate of this build with `args`.
CommandResult RunLoadgate(std::vector<std::string> args,
                          const std::filesystem::path& scratch_dir,
                          const WhileRunning& while_running = {});

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_RUN_COMMAND_H_
