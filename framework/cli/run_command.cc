// `loadgate run` and `loadgate validate`: a run from its outputs opened to
// its exit code, in named steps.
#include "run_command.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "loadgate/duration.h"
#include "loadgate/engine.h"
#include "loadgate/format.h"
#include "loadgate/http_probe.h"
#include "loadgate/live.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "progress_line.h"
#include "prometheus/pushgateway.h"
#include "report_outputs.h"

namespace loadgate::cli {
namespace {

// A collector busy merging answers within this, or the shard counts as
// missing.
constexpr auto kSendTimeout = std::chrono::seconds(60);

// The width of the terminal on stderr, 0 when it does not say (asked at
// every redraw, so a resized window is followed).
int StderrTerminalColumns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

// One line, redrawn in place and cut to the terminal's width (see
// FitProgressLine): a line that wrapped would leave a stale row behind.
void DrawProgress(const Progress& progress) {
  const double seconds = static_cast<double>(progress.elapsed.count()) / 1e9;
  const double error_percent =
      progress.requests == 0 ? 0
                             : 100.0 * static_cast<double>(progress.errors) /
                                   static_cast<double>(progress.requests);
  std::string elapsed = FormatFixed(seconds, 1);
  // Right-aligned in 7 columns, so the line does not shift as time grows.
  elapsed.insert(0, elapsed.size() < 7 ? 7 - elapsed.size() : 0, ' ');
  // Most telling first: a narrow terminal cuts the end of the line.
  const std::string text =
      elapsed + "s  " + std::to_string(progress.requests) + " req  " +
      FormatFixed(progress.current_rps, 1) + " req/s  errors " +
      std::to_string(progress.errors) + " (" + FormatFixed(error_percent, 1) +
      " %)  p50 " + FormatMilliseconds(static_cast<double>(progress.p50_ns)) +
      "  p95 " + FormatMilliseconds(static_cast<double>(progress.p95_ns)) +
      "  p99 " + FormatMilliseconds(static_cast<double>(progress.p99_ns)) +
      "  in flight " + std::to_string(progress.in_flight);
  const int columns =
      ProgressColumns(StderrTerminalColumns(), std::getenv("COLUMNS"));
  std::fputs(FitProgressLine(text, columns).c_str(), stderr);
  std::fflush(stderr);
}

// Serves the live view (--live) or only its /metrics (--metrics) of `run`
// and sends its progress there too.
void StartLiveView(const CommandLine& command_line, ScenarioFile& run,
                   std::optional<LiveServer>& live_view) {
  const bool page = !command_line.live_address.empty();
  if (!page && command_line.metrics_address.empty()) return;
  try {
    if (page) {
      live_view.emplace(command_line.live_address, LivePage::kServed,
                        command_line.shard);
    } else {
      live_view.emplace(command_line.metrics_address, LivePage::kOff,
                        command_line.shard);
    }
  } catch (const std::exception& error) {
    throw UsageError((page ? "--live: " : "--metrics: ") +
                     std::string(error.what()));
  }
  std::cerr << (page ? "live view: " + live_view->url()
                     : "metrics: " + live_view->url() + "metrics")
            << std::endl;
  live_view->BeginRun(
      run.scenario.name.empty() ? "loadgate" : run.scenario.name, run.model,
      run.scenario, run.options.duration);
  run.options.on_progress =
      live_view->ProgressCallback(std::move(run.options.on_progress));
}

// Pushes the run's figures to --pushgateway, if given, from here on.
void StartPushing(const CommandLine& command_line, ScenarioFile& run,
                  std::optional<prometheus::Pusher>& pusher) {
  if (command_line.pushgateway_url.empty()) return;
  try {
    pusher.emplace(
        prometheus::PushOptions{
            .url = command_line.pushgateway_url,
            .interval = command_line.push_interval.value_or(
                prometheus::PushOptions{}.interval),
            .delete_at_end = command_line.push_delete,
            .shard = command_line.shard
                         ? std::to_string(command_line.shard->index)
                         : ""},
        std::cerr);
  } catch (const std::invalid_argument& error) {
    throw UsageError("--pushgateway: " + std::string(error.what()));
  }
  pusher->BeginRun(run.scenario.name.empty() ? "loadgate" : run.scenario.name,
                   run.model);
  run.options.on_progress =
      pusher->ProgressCallback(std::move(run.options.on_progress));
}

// POSTs the JSON report to a `loadgate collect` at `url` (none when empty);
// false, having said why on stderr, when the collector did not take it.
bool SendReport(const std::string& url, const RunReport& report) {
  if (url.empty()) return true;
  std::ostringstream json;
  WriteJson(report, json);
  const HttpProbeResult sent =
      HttpFetch("POST", url, json.str(), "application/json", kSendTimeout);
  const std::string answer = sent.error.empty()
                                 ? std::to_string(sent.status) + " " + sent.body
                                 : sent.error;
  if (sent.ok()) {
    std::cerr << "loadgate: sent the report to " << url << ": " << answer;
    return true;
  }
  std::cerr << "loadgate: the collector at " << url
            << " did not take the report: " << answer << "\n";
  return false;
}

int ExitCode(const RunReport& report, size_t failed) {
  const std::string& stop_reason = report.info.stop_reason;
  if (stop_reason == kStopReasonInterrupted) {
    std::cerr << "loadgate: interrupted; the report covers the run so far\n";
    return kExitInterrupted;
  }
  if (!stop_reason.empty()) {
    std::cerr << "loadgate: run stopped early: " << stop_reason << "\n";
    return kExitFailed;
  }
  return failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

int RunCommand(const CommandLine& command_line) {
  ScenarioFile run = BuildRun(command_line);
  ReportOutputs outputs({.json = command_line.out_path,
                         .csv = command_line.csv_path,
                         .junit = command_line.junit_path,
                         .html = command_line.html_path});
  const bool live = !command_line.quiet && isatty(STDERR_FILENO);
  if (live) run.options.on_progress = DrawProgress;
  std::optional<LiveServer> live_view;
  StartLiveView(command_line, run, live_view);
  // Lives until RunCommand returns: its final push (and --push-delete)
  // come then, after any --live-linger.
  std::optional<prometheus::Pusher> pusher;
  StartPushing(command_line, run, pusher);
  InstallStopSignalHandlers();

  RunReport report;
  try {
    report = Run(run.scenario, run.model, run.options);
  } catch (const std::invalid_argument& error) {
    if (live) std::fputs("\r\x1b[K", stderr);
    if (live_view) live_view->AbortRun(error.what());
    if (pusher) pusher->AbortRun();
    throw UsageError(error.what());
  }
  if (live) std::fputs("\r\x1b[K", stderr);
  if (live_view) live_view->EndRun(report);
  if (pusher) pusher->EndRun(report);

  const size_t failed = Judge(run.objectives, report);
  outputs.Write(report);
  if (!command_line.quiet) WriteSummary(report, std::cout);
  PrintVerdicts(report, failed, command_line.quiet);
  // A shard judges only its part: the objectives are kept in its report
  // for `loadgate merge`, which judges the whole test; only a shard run
  // that is unfit itself (stopped early, nothing recorded) fails here.
  const bool shard = report.info.shard.count > 1;
  if (shard && !run.objectives.empty()) {
    std::cout << "shard " << report.info.shard.index << "/"
              << report.info.shard.count
              << ": the objectives above are judged on this shard's part "
                 "only; loadgate merge judges the test\n";
  }
  std::cout.flush();
  const bool sent = SendReport(command_line.send_report_url, report);

  if (live_view && command_line.live_linger.count() > 0) {
    std::cerr << (command_line.live_address.empty() ? "metrics: "
                                                    : "live view: ")
              << live_view->url() << " stays up for "
              << FormatDuration(command_line.live_linger) << " (Ctrl-C ends it)"
              << std::endl;
    live_view->Linger(command_line.live_linger);
  }
  const int exit_code =
      ExitCode(report, shard ? RunIntegrityVerdicts(report).size() : failed);
  // A report the collector did not take leaves its shard missing from the
  // merge: the run fails too, so a Kubernetes Job retries it.
  return exit_code == kExitOk && !sent ? kExitFailed : exit_code;
}

int ValidateCommand(const CommandLine& command_line) {
  const ScenarioFile file = LoadScenarioFile(command_line.scenario_path);
  const Scenario& scenario = file.scenario;
  std::cout << command_line.scenario_path << ": ok\n"
            << "  name      " << scenario.name << "\n"
            << "  target    "
            << (scenario.base_url.empty() ? "(absolute URLs)"
                                          : scenario.base_url)
            << "\n"
            << "  load      " << Describe(file.model) << " for "
            << FormatMilliseconds(file.options.duration) << "\n"
            << "  requests ";
  for (const std::string& tag : scenario.TagNames())
    std::cout << " [" << tag << "]";
  std::cout << "\n";
  for (const Objective& objective : file.objectives) {
    std::cout << "  slo       " << objective.Describe() << "\n";
  }
  return kExitOk;
}

}  // namespace loadgate::cli
