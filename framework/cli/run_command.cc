#include "run_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "loadgate/duration.h"
#include "loadgate/engine.h"
#include "loadgate/format.h"
#include "loadgate/gate.h"
#include "loadgate/html_report.h"
#include "loadgate/live.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate::cli {
namespace {

// Opens an output file before the run, so a bad path costs nothing.
std::optional<std::ofstream> OpenOutput(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw UsageError("cannot write " + path + ": " + std::strerror(errno));
  }
  return out;
}

// One line, redrawn in place: "\r" returns to its start and "\x1b[K" clears
// what a longer previous line left behind.
void DrawProgress(const Progress& progress) {
  const double seconds = static_cast<double>(progress.elapsed.count()) / 1e9;
  const double error_percent =
      progress.requests == 0 ? 0
                             : 100.0 * static_cast<double>(progress.errors) /
                                   static_cast<double>(progress.requests);
  std::fprintf(
      stderr,
      "\r%7.1fs  %llu req  %.1f req/s  p50 %s  p95 %s  p99 %s  errors %llu "
      "(%.1f %%)  in flight %llu\x1b[K",
      seconds, static_cast<unsigned long long>(progress.requests),
      progress.current_rps,
      FormatMilliseconds(static_cast<double>(progress.p50_ns)).c_str(),
      FormatMilliseconds(static_cast<double>(progress.p95_ns)).c_str(),
      FormatMilliseconds(static_cast<double>(progress.p99_ns)).c_str(),
      static_cast<unsigned long long>(progress.errors), error_percent,
      static_cast<unsigned long long>(progress.in_flight));
  std::fflush(stderr);
}

void WriteReport(std::optional<std::ofstream>& out, const std::string& path,
                 void (*write)(const RunReport&, std::ostream&),
                 const RunReport& report) {
  if (!out) return;
  write(report, *out);
  out->close();
  if (!*out) {
    std::cerr << "loadgate: cannot write " << path << ": "
              << std::strerror(errno) << "\n";
  }
}

}  // namespace

int RunCommand(const CommandLine& command_line) {
  ScenarioFile run = BuildRun(command_line);
  std::optional<std::ofstream> json_out = OpenOutput(command_line.out_path);
  std::optional<std::ofstream> csv_out = OpenOutput(command_line.csv_path);
  std::optional<std::ofstream> junit_out = OpenOutput(command_line.junit_path);
  std::optional<std::ofstream> html_out = OpenOutput(command_line.html_path);

  const bool live = !command_line.quiet && isatty(STDERR_FILENO);
  if (live) run.options.on_progress = DrawProgress;
  std::optional<LiveServer> live_view;
  if (!command_line.live_address.empty()) {
    try {
      live_view.emplace(command_line.live_address);
    } catch (const std::exception& error) {
      throw UsageError("--live: " + std::string(error.what()));
    }
    std::cerr << "live view: " << live_view->url() << std::endl;
    live_view->BeginRun(
        run.scenario.name.empty() ? "loadgate" : run.scenario.name, run.model,
        run.options.duration);
    run.options.on_progress =
        live_view->ProgressCallback(std::move(run.options.on_progress));
  }
  InstallStopSignalHandlers();

  RunReport report;
  try {
    report = Run(run.scenario, run.model, run.options);
  } catch (const std::invalid_argument& error) {
    if (live) std::fputs("\r\x1b[K", stderr);
    if (live_view) live_view->AbortRun(error.what());
    throw UsageError(error.what());
  }
  if (live) std::fputs("\r\x1b[K", stderr);
  if (live_view) live_view->EndRun(report);

  // Every output gets the same verdicts: the objectives, then whatever makes
  // the run itself unfit to pass (stopped early, nothing recorded). The JSON
  // report keeps them for `loadgate report` later.
  for (const Objective& objective : run.objectives) {
    report.slos.push_back(ToVerdict(Evaluate(objective, report)));
  }
  for (SloVerdict& verdict : RunIntegrityVerdicts(report)) {
    report.slos.push_back(std::move(verdict));
  }
  const auto failed = static_cast<size_t>(
      std::count_if(report.slos.begin(), report.slos.end(),
                    [](const SloVerdict& verdict) { return !verdict.passed; }));

  WriteReport(json_out, command_line.out_path, &WriteJson, report);
  WriteReport(csv_out, command_line.csv_path, &WriteCsv, report);
  if (!command_line.quiet) WriteSummary(report, std::cout);
  if (junit_out) {
    WriteSloJUnit({{report.info.name.empty() ? "loadgate" : report.info.name,
                    report.slos}},
                  *junit_out);
    junit_out->close();
    if (!*junit_out) {
      std::cerr << "loadgate: cannot write " << command_line.junit_path << ": "
                << std::strerror(errno) << "\n";
    }
  }
  if (html_out) {
    WriteHtmlReport({report}, std::vector<ObjectiveResult>(), *html_out);
    html_out->close();
    if (!*html_out) {
      std::cerr << "loadgate: cannot write " << command_line.html_path << ": "
                << std::strerror(errno) << "\n";
    }
  }
  if (!report.slos.empty()) {
    if (!command_line.quiet) std::cout << "\n";  // apart from the summary
    std::cout << "SLOs: " << report.slos.size() - failed << " passed, "
              << failed << " failed\n";
    for (const SloVerdict& verdict : report.slos) {
      std::cout << "  " << verdict.explanation << "\n";
    }
  }
  std::cout.flush();

  if (live_view && command_line.live_linger.count() > 0) {
    std::cerr << "live view: " << live_view->url() << " stays up for "
              << std::chrono::duration<double>(command_line.live_linger).count()
              << " s (Ctrl-C ends it)" << std::endl;
    live_view->Linger(command_line.live_linger);
  }

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
