// No orphans: this binary re-executes itself as a "test process" that starts
// services and is then sent SIGTERM (teardown by the signal handler) or
// SIGKILL (the parent-death signal), and checks that the services are gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/fixtures/stack.h"
#include "support/temp_dir.h"

namespace loadgate::fixtures {
namespace {

using namespace std::chrono_literals;

constexpr char kChildVariable[] = "LOADGATE_FIXTURES_TEARDOWN_CHILD";

// Child mode, before GoogleTest's main: what a test binary with a
// StackEnvironment does (signal teardown, then services), then waiting to
// be killed. Writes "<pid>\n" per direct service, then "ready".
[[noreturn]] void RunChild(const std::string& pid_file) {
  InstallSignalTeardown();
  std::vector<std::unique_ptr<Service>> services;
  std::ostringstream pids;
  try {
    // A service with a helper process in its group.
    auto forker = std::make_unique<ProcessService>(
        ServiceSpec{.name = "forker",
                    .command = {"sh", "-c", "sleep 300 & wait"},
                    .port_source = PortSource::kNone,
                    .probe = Probe::None()});
    forker->Start();
    pids << forker->pid() << "\n";
    services.push_back(std::move(forker));
    // The real stack's mock LLM when it is built: a libevent server that
    // must handle SIGTERM itself.
    Stack stack({.mode = StackMode::kProcess, .app = false});
    if (std::filesystem::exists(stack.options().bin_dir / "mock-llm")) {
      stack.Start();
      pids << stack.process(stack.llm())->pid() << "\n";
    }
    std::ofstream(pid_file) << pids.str() << "ready\n";
    // Bounded: the parent kills this process long before.
    std::this_thread::sleep_for(60s);
  } catch (const std::exception& error) {
    std::ofstream(pid_file) << "error " << error.what() << "\n";
  }
  _exit(3);
}

[[maybe_unused]] const bool kChildMode = [] {
  if (const char* pid_file = getenv(kChildVariable)) RunChild(pid_file);
  return false;
}();

bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  size_t close = text.rfind(')');
  return close != std::string::npos && text[close + 2] != 'Z';
}

// Live members of the process group `pgid` (its helpers included).
std::vector<pid_t> LiveGroupMembers(pid_t pgid) {
  std::vector<pid_t> members;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = static_cast<pid_t>(atoi(entry.path().filename().c_str()));
    if (pid <= 0) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    size_t close = text.rfind(')');
    char state = 0;
    int parent = 0, group = 0;
    if (close != std::string::npos &&
        sscanf(text.c_str() + close + 2, "%c %d %d", &state, &parent, &group) ==
            3 &&
        group == pgid && state != 'Z') {
      members.push_back(pid);
    }
  }
  return members;
}

class TeardownTest : public ::testing::Test {
 protected:
  // Starts the child and waits (bounded) until its services are up.
  void StartChild() {
    pid_file_ = dir_.path() / "pids";
    child_ = std::make_unique<ProcessService>(
        ServiceSpec{.name = "child",
                    .command = {"/proc/self/exe"},
                    .environment = {{kChildVariable, pid_file_.string()}},
                    .port_source = PortSource::kNone,
                    .probe = Probe::None(),
                    .log_file = dir_.path() / "child.log"});
    child_->Start();
    for (int i = 0; i < 600; ++i) {  // 30 s
      std::ifstream file(pid_file_);
      std::string line;
      std::vector<pid_t> pids;
      while (std::getline(file, line)) {
        ASSERT_EQ(line.rfind("error", 0), std::string::npos) << line;
        if (line == "ready") {
          service_pids_ = pids;
          return;
        }
        pids.push_back(static_cast<pid_t>(std::stol(line)));
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "the child did not start its services; log:\n"
           << child_->LogTail();
  }

  // Waits (bounded) for the child to end; its waitpid status.
  int WaitForChild() {
    for (int i = 0; i < 400 && child_->running(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(child_->running()) << "the child did not exit";
    return child_->wait_status().value_or(-1);
  }

  void TearDown() override {
    // Whatever a failed test left behind.
    for (pid_t pid : service_pids_) kill(-pid, SIGKILL);
  }

  test_support::TempDir dir_;
  std::filesystem::path pid_file_;
  std::unique_ptr<ProcessService> child_;
  std::vector<pid_t> service_pids_;
};

TEST_F(TeardownTest, SigtermTearsDownEveryServiceAndEndsBySigterm) {
  ASSERT_NO_FATAL_FAILURE(StartChild());
  ASSERT_FALSE(service_pids_.empty());
  for (pid_t pid : service_pids_) ASSERT_TRUE(Alive(pid)) << pid;

  kill(child_->pid(), SIGTERM);
  int status = WaitForChild();
  // The handler re-raised the signal: the exit looks like a plain SIGTERM.
  EXPECT_EQ(DescribeWaitStatus(status), "killed by signal 15 (Terminated)")
      << child_->LogTail();
  for (pid_t pid : service_pids_) {
    // Whole groups, helpers included (zombies awaiting init do not count).
    for (int i = 0; i < 100 && !LiveGroupMembers(pid).empty(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_THAT(LiveGroupMembers(pid), ::testing::IsEmpty())
        << "process group " << pid << " outlived the teardown";
  }
}

TEST_F(TeardownTest, SigkillLeavesNoServiceThanksToTheParentDeathSignal) {
  ASSERT_NO_FATAL_FAILURE(StartChild());
  kill(child_->pid(), SIGKILL);
  EXPECT_EQ(DescribeWaitStatus(WaitForChild()), "killed by signal 9 (Killed)");
  // The kernel kills the services themselves (a helper they forked has no
  // death signal of its own; TearDown collects it).
  for (pid_t pid : service_pids_) {
    for (int i = 0; i < 100 && Alive(pid); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(Alive(pid)) << "service " << pid << " outlived its parent";
  }
}

}  // namespace
}  // namespace loadgate::fixtures
