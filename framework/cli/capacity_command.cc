// `loadgate capacity`: the search's own flags are taken out of the
// arguments, and the rest (scenario file or --url, request, --slo, -o) is
// read by `loadgate run`'s parser, so both commands read them alike.
#include "capacity_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "config/cli_options.h"
#include "config/document.h"
#include "loadgate/capacity.h"
#include "loadgate/duration.h"
#include "loadgate/engine.h"
#include "loadgate/format.h"

namespace loadgate::cli {

const std::string_view kCapacityUsage = R"(Usage:
  loadgate capacity SCENARIO.{yaml,yml,json} [options]
  loadgate capacity --url URL [request options] [options]

Open-model steps at constant rates, x2 from --start until an objective
breaks or --max is reached, then bisected between the highest passing and
the lowest breaking rate to --resolution. Each step is one run: a warm-up
(not judged), then the judged part. The capacity is the highest rate that met every
objective; a step that loadgate itself could not send on time (a generator
limit) makes the search refuse to report one.

Search:
  --slo EXPR             objective, repeatable (besides the file's slos);
                         at least one is needed
  --start R              first step's rate, requests/s (default 10)
  --max R                highest rate offered (default 10000)
  --step-duration D      judged part of each step (default 10s)
  --warmup D             the first D of each step's run, not judged
                         (whole seconds, rounded up; default a quarter of
                         the step; 0s for none)
  --resolution P         stop bisecting within P, e.g. 5% (default 5%)
  --require R            exit 1 unless the capacity is at least R req/s
  --think D              mean think time of a user between sessions, for
                         the users figure (default the scenario's closed-
                         model think time, else 0)
  -o, --out DIR          step reports, capacity.json and capacity.html
                         (default ./loadgate-capacity)

Also the request options of `loadgate run --help` (--url, -X, -H, --body,
--timeout, --insecure; -c caps requests in flight), --host, -t/--threads
and -q/--quiet.

Exit status: 0 a capacity was found, 1 the first step broke an objective,
the search refused or --require was not met, 2 bad input, 130 interrupted.
)";

namespace {

struct CapacityFlags {
  CapacityOptions options;
  std::optional<double> require;
  std::optional<std::chrono::nanoseconds> think;
  bool help = false;
};

double ParseRate(std::string_view flag, const std::string& text) {
  const std::optional<double> value = config::ParseNumberText(text);
  if (!value || !(*value > 0)) {
    throw UsageError(std::string(flag) +
                     ": expected a rate in requests/s above zero, got \"" +
                     text + "\"");
  }
  return *value;
}

std::chrono::nanoseconds ParseSpan(std::string_view flag,
                                   const std::string& text, bool zero_ok) {
  std::chrono::nanoseconds duration{0};
  try {
    duration = ParseDuration(text);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string(flag) + ": " + error.what());
  }
  if (duration.count() < 0 || (!zero_ok && duration.count() == 0)) {
    throw UsageError(std::string(flag) + ": expected a duration " +
                     (zero_ok ? "of 0s or more" : "above zero") +
                     " such as 500ms or 10s, got \"" + text + "\"");
  }
  return duration;
}

double ParseResolution(const std::string& text) {
  const bool percent = !text.empty() && text.back() == '%';
  std::optional<double> value = config::ParseNumberText(
      percent ? std::string_view(text).substr(0, text.size() - 1) : text);
  if (value && percent) *value /= 100;
  if (!value || !(*value > 0 && *value < 1)) {
    throw UsageError(
        "--resolution: expected a share above 0 and below 100 %, such as "
        "5% or 0.05, got \"" +
        text + "\"");
  }
  return *value;
}

// Takes the search's own flags out of `args`, leaving `loadgate run`'s.
CapacityFlags TakeCapacityFlags(std::vector<std::string>& args) {
  CapacityFlags flags;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (const size_t equals = flag.find('=');
        flag.starts_with("--") && equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag.resize(equals);
    }
    auto take = [&]() -> std::string {
      if (value) return *value;
      if (i + 1 >= args.size()) throw UsageError(flag + ": expected a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      flags.help = true;
    } else if (flag == "--start") {
      flags.options.start_rps = ParseRate(flag, take());
    } else if (flag == "--max") {
      flags.options.max_rps = ParseRate(flag, take());
    } else if (flag == "--step-duration") {
      flags.options.step_duration = ParseSpan(flag, take(), false);
    } else if (flag == "--warmup") {
      flags.options.warmup = ParseSpan(flag, take(), true);
    } else if (flag == "--resolution") {
      flags.options.resolution = ParseResolution(take());
    } else if (flag == "--require") {
      flags.require = ParseRate(flag, take());
    } else if (flag == "--think") {
      flags.think = ParseSpan(flag, take(), true);
    } else {
      rest.push_back(args[i]);
    }
  }
  if (flags.options.max_rps < flags.options.start_rps) {
    throw UsageError("--max: expected a rate at or above --start (" +
                     FormatNumber(flags.options.start_rps) + " req/s), got " +
                     FormatNumber(flags.options.max_rps));
  }
  args = std::move(rest);
  return flags;
}

// `loadgate run` flags that mean nothing to a search of steps.
void RefuseRunOnlyFlags(const CommandLine& line) {
  const std::pair<bool, std::string_view> run_only[] = {
      {line.rate.has_value(), "--rate (the search sets the rate: --start)"},
      {line.users.has_value(), "--users (the search runs an open model)"},
      {line.duration.has_value(), "--duration (use --step-duration)"},
      {line.shard.has_value(), "--shard"},
      {line.start_at.has_value(), "--start-at"},
      {!line.send_report_url.empty(), "--send-report"},
      {!line.csv_path.empty(), "--csv"},
      {!line.junit_path.empty(), "--junit"},
      {!line.html_path.empty(), "--html (capacity.html is written in -o)"},
      {!line.live_address.empty(), "--live"},
      {!line.metrics_address.empty(), "--metrics"},
      {!line.pushgateway_url.empty(), "--pushgateway"},
  };
  for (const auto& [given, flag] : run_only) {
    if (given) {
      throw UsageError(std::string(flag) +
                       ": not an option of loadgate capacity (loadgate "
                       "capacity --help)");
    }
  }
}

// Requests one iteration sends: the steps of its flow, when every flow has
// as many and none polls; else 1 (the rate then counts iterations).
int SessionRequests(const Scenario& scenario) {
  size_t steps = scenario.flows.empty() ? 1 : scenario.flows[0].steps.size();
  for (const Flow& flow : scenario.flows) {
    bool polls = false;
    for (const Step& step : flow.steps) polls = polls || step.poll.has_value();
    if (polls || flow.steps.size() != steps) return 1;
  }
  return static_cast<int>(std::max<size_t>(1, steps));
}

// The file's (or --url's) run as the search's step template.
void ApplyRun(const ScenarioFile& run, const CommandLine& line,
              CapacityFlags& flags) {
  CapacityOptions& options = flags.options;
  options.run = run.options;
  options.run.on_progress = nullptr;
  // A step past the knee is judged by what it measured, not by how long
  // its queue takes to drain.
  options.run.graceful_stop =
      std::min(options.run.graceful_stop, options.step_duration);
  options.name = run.scenario.name;
  options.session_requests = SessionRequests(run.scenario);
  for (const Flow& flow : run.scenario.flows) {
    if (!flow.metric.empty()) options.session_metric = flow.metric;
  }
  if (const auto* open = std::get_if<OpenModel>(&run.model)) {
    options.model.arrivals = open->arrivals;
    options.model.max_in_flight = open->max_in_flight;
  } else if (const auto* closed = std::get_if<ClosedModel>(&run.model)) {
    options.think_time = MeanThinkTime(closed->think);
  }
  if (line.connections) options.model.max_in_flight = *line.connections;
  if (flags.think) options.think_time = *flags.think;
}

int ExitCode(const CapacityResult& result, std::optional<double> require) {
  if (result.outcome == CapacityResult::Outcome::kRefused) {
    const bool interrupted =
        !result.steps.empty() && result.steps.back().limit == StepLimit::kNone;
    std::cerr << "loadgate capacity: no capacity reported: " << result.refusal
              << "\n";
    return interrupted ? kExitInterrupted : kExitFailed;
  }
  // Even the first step broke an objective: the service meets its
  // objectives at no rate tried, which no gate may pass.
  if (result.outcome == CapacityResult::Outcome::kNone) {
    std::cerr << "loadgate capacity: no capacity: the first step broke an "
                 "objective\n";
    return kExitFailed;
  }
  if (require && !(result.found() && result.capacity_rps >= *require)) {
    std::cerr << "loadgate capacity: required " << FormatNumber(*require)
              << " req/s, found "
              << (result.found()
                      ? FormatNumber(result.capacity_rps, 1) + " req/s"
                      : std::string("no capacity"))
              << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int CapacityCommand(const std::vector<std::string>& args) {
  std::vector<std::string> run_args = args;
  CapacityFlags flags = TakeCapacityFlags(run_args);
  if (flags.help) {
    std::cout << kCapacityUsage;
    return kExitOk;
  }
  run_args.insert(run_args.begin(), "run");
  const CommandLine line = ParseCommandLine(run_args);
  RefuseRunOnlyFlags(line);
  const ScenarioFile run = BuildRun(line);
  if (run.objectives.empty()) {
    throw UsageError(
        "--slo: expected at least one objective (or slos in the scenario "
        "file): the capacity is the highest rate that meets them");
  }
  ApplyRun(run, line, flags);
  const std::filesystem::path dir =
      line.out_path.empty() ? "loadgate-capacity" : line.out_path;
  flags.options.report_dir = dir;
  if (!line.quiet) {
    flags.options.on_step_start = [&flags](double rate, int number) {
      std::cerr << "step " << number << ": " << FormatNumber(rate, 1)
                << " req/s for " << FormatDuration(flags.options.step_duration)
                << std::endl;
    };
  }
  InstallStopSignalHandlers();
  CapacityResult result;
  try {
    result = FindCapacity(run.scenario, run.objectives, flags.options);
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  WriteCapacityFiles(result, dir);
  WriteCapacityText(result, std::cout);
  std::cout << "reports: " << (dir / "capacity.html").string() << ", "
            << (dir / "capacity.json").string() << "\n";
  std::cout.flush();
  const int exit_code = ExitCode(result, flags.require);
  return exit_code;
}

}  // namespace loadgate::cli
