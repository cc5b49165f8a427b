// `loadgate run` on a terminal: its live progress line, read from the
// master side of a pseudo-terminal given to it as stderr, fits the
// terminal's width (a wrapped line leaves a stale row at every redraw).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_server.h"

extern char** environ;

namespace loadgate {
namespace {

using test_support::kJson;
using test_support::Respond;

constexpr std::string_view kClearToEnd = "\x1b[K";

struct TerminalRun {
  int exit_code = -1;
  std::string output;  // what the terminal received, as it received it
};

// Runs bin/loadgate `args` with stderr on a pseudo-terminal of `columns`
// (0: a terminal that does not say) and $COLUMNS set to `columns_env`;
// stdin and stdout are /dev/null. Killed, and the test failed, after
// `timeout`.
TerminalRun RunOnTerminal(const std::vector<std::string>& args,
                          unsigned short columns,
                          const std::string& columns_env,
                          std::chrono::seconds timeout) {
  TerminalRun run;
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    ADD_FAILURE() << "no pseudo-terminal: " << std::strerror(errno);
    return run;
  }
  const winsize size{.ws_row = 24, .ws_col = columns};
  ioctl(master, TIOCSWINSZ, &size);
  // The parent keeps the terminal open too, so the master never reports
  // end of file before the child has opened it.
  const int terminal = open(ptsname(master), O_RDWR | O_NOCTTY);

  // Built before fork: the child only execs.
  std::vector<std::string> argv_text = {std::string(LOADGATE_BINARY_DIR) +
                                        "/bin/loadgate"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!std::string_view(*entry).starts_with("COLUMNS=")) {
      env_text.push_back(*entry);
    }
  }
  env_text.push_back("COLUMNS=" + columns_env);
  std::vector<char*> envp;
  for (std::string& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(terminal, STDERR_FILENO);
    close(master);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool exited = false;
  char buffer[4096];
  while (true) {
    pollfd readable{.fd = master, .events = POLLIN, .revents = 0};
    if (poll(&readable, 1, 100) > 0) {
      const ssize_t got = read(master, buffer, sizeof buffer);
      // EIO: the terminal's last other end closed, everything read.
      if (got <= 0) break;
      run.output.append(buffer, static_cast<size_t>(got));
      continue;
    }
    if (exited) break;  // nothing more to come
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      close(terminal);  // what is left is drained above
    } else if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "loadgate still running after " << timeout.count()
                    << " s";
      close(terminal);
      break;
    }
  }
  if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
  close(master);
  run.exit_code = exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Each progress redraw: the text between a '\r' and the clear that ends it.
std::vector<std::string> ProgressRedraws(const std::string& output) {
  std::vector<std::string> redraws;
  for (size_t start = output.find('\r'); start != std::string::npos;
       start = output.find('\r', start + 1)) {
    const size_t end = output.find(kClearToEnd, start);
    if (end == std::string::npos) break;
    const std::string text = output.substr(start + 1, end - start - 1);
    if (text.find("req/s") != std::string::npos) redraws.push_back(text);
  }
  return redraws;
}

class CliProgressTtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Handle("/ok", Respond(200, R"({"ok":true})", kJson));
  }

  // The progress lines of a 3 s run (drawn at 1 s and 2 s) on a terminal of
  // `columns` with $COLUMNS `columns_env`; fails the test unless the run
  // passed and drew some.
  std::vector<std::string> Redraws(unsigned short columns,
                                   const std::string& columns_env) {
    const TerminalRun run =
        RunOnTerminal({"run", "--url", server_.base_url() + "/ok", "--rate",
                       "100", "-d", "3s", "--threads", "1"},
                      columns, columns_env, std::chrono::seconds(60));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    const std::vector<std::string> redraws = ProgressRedraws(run.output);
    EXPECT_FALSE(redraws.empty()) << run.output;
    return redraws;
  }

  test_support::TestServer server_;
};

TEST_F(CliProgressTtyTest, TheLineFitsAn80ColumnTerminal) {
  // $COLUMNS says otherwise: the terminal's own width wins.
  for (const std::string& text : Redraws(80, "200")) {
    // The full line is longer than 79 columns: cut to 79, so the cursor
    // never reaches the last column and the line cannot wrap.
    EXPECT_EQ(text.size(), 79u) << '"' << text << '"';
    // What a narrow terminal keeps comes first.
    EXPECT_THAT(text, ::testing::HasSubstr(" req/s  errors "));
  }
}

TEST_F(CliProgressTtyTest, ATerminalWithoutAWidthFallsBackToColumns) {
  for (const std::string& text : Redraws(0, "50")) {
    EXPECT_EQ(text.size(), 49u) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace loadgate
