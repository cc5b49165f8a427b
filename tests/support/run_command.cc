#include "support/run_command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace loadgate::test_support {
std::string ReadFileText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WaitForText(const std::filesystem::path& path,
                        std::string_view marker, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::string text = ReadFileText(path);
    if (text.find(marker) != std::string::npos) return text;
    if (std::chrono::steady_clock::now() >= deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string CollectorUrl(const std::filesystem::path& scratch_dir) {
  // "loadgate collect: waiting for N shard reports at http://...:P/reports
  // (deadline ...)", written piece by piece: the URL is whole once its
  // "/reports" is there.
  constexpr std::string_view kStart = " at http://";
  constexpr std::string_view kEnd = "/reports";
  const std::string err = WaitForText(scratch_dir / "stderr", kEnd);
  const size_t at = err.find(kStart);
  const size_t end = at == std::string::npos ? at : err.find(kEnd, at);
  if (end == std::string::npos) return "";
  return err.substr(at + 4, end + kEnd.size() - at - 4);
}

CommandResult RunCommand(std::vector<std::string> argv,
                         const std::filesystem::path& scratch_dir,
                         std::chrono::seconds timeout,
                         const WhileRunning& while_running) {
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);

  const std::string out_path = (scratch_dir / "stdout").string();
  const std::string err_path = (scratch_dir / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr,
                                  pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  CommandResult result;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": "
                  << std::strerror(spawned);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (while_running) while_running(pid);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << argv[0] << " did not finish within " << timeout.count()
                    << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFileText(out_path);
  result.err = ReadFileText(err_path);
  return result;
}

CommandResult RunLoadgate(std::vector<std::string> args,
                          const std::filesystem::path& scratch_dir,
                          const WhileRunning& while_running) {
  args.insert(args.begin(), std::string(LOADGATE_BINARY_DIR) + "/bin/loadgate");
  return RunCommand(std::move(args), scratch_dir, std::chrono::minutes(1),
                    while_running);
}

}  // namespace loadgate::test_support
