#include "support/service_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace loadgate::test_support {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One line from `fd`, until a newline, the end of the stream or `deadline`.
std::string ReadLine(int fd, Clock::time_point deadline) {
  std::string line;
  char c = 0;
  while (Clock::now() < deadline) {
    pollfd entry{fd, POLLIN, 0};
    if (poll(&entry, 1, 100) <= 0) continue;
    if (read(fd, &c, 1) != 1 || c == '\n') break;
    line += c;
  }
  return line;
}

}  // namespace

void ExecOrExit(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

ServiceProcess::ServiceProcess(const std::vector<std::string>& args) {
  if (!std::filesystem::exists(args[0])) {
    throw std::runtime_error(args[0] + " is not built");
  }
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    ExecOrExit(args);
  }
  close(out[1]);
  stdout_ = out[0];
  const std::string line = ReadLine(stdout_, Clock::now() + 30s);
  const size_t colon = line.rfind(':');
  if (!line.starts_with("listening on ") || colon == std::string::npos) {
    Kill(SIGKILL);
    throw std::runtime_error(args[0] + " did not start: '" + line + "'");
  }
  port_ = std::stoi(line.substr(colon + 1));
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && Ended().empty()) {
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 10s;
    while (Ended().empty() && Clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    if (Ended().empty()) Kill(SIGKILL);
  }
  if (stdout_ >= 0) close(stdout_);
}

std::string ServiceProcess::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void ServiceProcess::Kill(int signal) {
  if (pid_ <= 0 || !ended_.empty()) return;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  ended_ = "killed by signal " + std::to_string(signal);
}

std::string ServiceProcess::Ended() {
  if (ended_.empty() && pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      ended_ =
          WIFSIGNALED(status)
              ? "killed by signal " + std::to_string(WTERMSIG(status))
              : "exited with status " + std::to_string(WEXITSTATUS(status));
    }
  }
  return ended_;
}

}  // namespace loadgate::test_support
