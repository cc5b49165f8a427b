// A service binary (sample-app, mock-llm) run as a child process for tests
// that treat it as a black box over HTTP.
#ifndef LOADGATE_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define LOADGATE_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace loadgate::test_support {

// Starts `args` (args[0] is the binary's path) and waits for the
// "listening on HOST:PORT" line the services print first on stdout. Throws
// std::runtime_error when the binary is missing or does not announce a port
// within 30 s. Stopped with SIGTERM (SIGKILL after 10 s) when destroyed.
// In a forked child: replaces it with `args` (args[0] is the program's
// path), or exits with status 127 when that fails.
[[noreturn]] void ExecOrExit(const std::vector<std::string>& args);

class ServiceProcess {
 public:
  explicit ServiceProcess(const std::vector<std::string>& args);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"

  // Sends `signal` and reaps the process (e.g. SIGKILL for a crash).
  void Kill(int signal);
  // Empty while the process runs, else how it ended ("killed by signal 6").
  std::string Ended();

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  int port_ = 0;
  std::string ended_;
};

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_SERVICE_PROCESS_H_
