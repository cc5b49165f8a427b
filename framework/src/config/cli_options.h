// The `loadgate` command line: arguments to a validated request, and the
// request to the scenario, model and options of a run. Kept apart from
// framework/cli/main.cc so tests can drive it without a subprocess. Includes
// only public headers, so tests may include it by relative path.
#ifndef LOADGATE_CONFIG_CLI_OPTIONS_H_
#define LOADGATE_CONFIG_CLI_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/version.h"

namespace loadgate::cli {

// From project(VERSION) in the top-level CMakeLists.txt.
inline constexpr std::string_view kVersion = LOADGATE_VERSION_STRING;

// Exit codes of the tool.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // an SLO failed or a limit stopped it
inline constexpr int kExitBadInput = 2;  // usage, unreadable/invalid file, URL
inline constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT)

extern const std::string_view kUsage;     // loadgate --help
extern const std::string_view kRunUsage;  // loadgate run --help

// A command line that cannot be run; the message is one line without the
// program name.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandLine {
  enum class Command { kHelp, kRunHelp, kVersion, kValidate, kRun };
  Command command = Command::kHelp;

  // A scenario file (run, validate); empty for an ad-hoc run.
  std::string scenario_path;
  // --host: the base URL a scenario file's relative URLs resolve against,
  // instead of the file's `target` (Locust's --host).
  std::string host;

  // Ad-hoc runs only.
  std::string url;
  std::string method = "GET";
  std::vector<Header> headers;
  std::string body;
  std::optional<double> rate;
  std::optional<int> users;
  std::optional<int> connections;
  std::optional<std::chrono::nanoseconds> timeout;
  bool insecure = false;

  // Both kinds of run.
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<int> threads;
  std::optional<Shard> shard;  // --shard K/N
  // --start-at: when t = 0 is, so that the shards start together.
  std::optional<std::chrono::system_clock::time_point> start_at;
  std::vector<Objective> slos;  // --slo, after the file's own
  std::string out_path;         // JSON report
  std::string send_report_url;  // --send-report: POSTed to a collector
  std::string csv_path;         // Locust-style CSV
  std::string junit_path;       // JUnit XML, one testcase per SLO
  std::string html_path;        // self-contained HTML report
  std::string live_address;     // --live: serve the live web view there
  std::string metrics_address;  // --metrics: serve only /metrics there
  std::string pushgateway_url;  // --pushgateway: push /metrics there
  // --push-interval; the pusher's default (5 s) when not given.
  std::optional<std::chrono::nanoseconds> push_interval;
  bool push_delete = false;  // --push-delete: delete the group at the end
  std::chrono::nanoseconds live_linger{0};  // and keep it up this long after
  bool quiet = false;
};

// `args` excludes the program name. Throws UsageError.
CommandLine ParseCommandLine(const std::vector<std::string>& args);

// Connections of an ad-hoc closed loop at full speed when none are given.
inline constexpr int kDefaultConnections = 10;

// What a kRun command runs: the scenario file with the command line's
// overrides, or the ad-hoc request. Throws ConfigError for a bad file.
ScenarioFile BuildRun(const CommandLine& command_line);

// Reports hold a histogram per second of the run; this bounds what `compare`
// and `report` read, so a wrong file fails instead of filling memory.
inline constexpr size_t kMaxReportFileBytes = size_t{256} << 20;

// The JSON report at `path` (loadgate run -o), for `compare` and `report`.
// Throws ConfigError when it cannot be read and std::runtime_error naming
// the file and the JSON path of the bad field when it is not a report.
RunReport ReadReportFile(const std::string& path);

// The one way bad input ends a command: "<command>: <what>" on stderr, with
// bytes that are not printable UTF-8 escaped, and kExitBadInput.
int ReportBadInput(std::string_view command, const std::exception& error);

}  // namespace loadgate::cli

#endif  // LOADGATE_CONFIG_CLI_OPTIONS_H_
