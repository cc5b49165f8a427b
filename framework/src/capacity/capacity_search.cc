// FindCapacity (capacity.h): runs the search's steps, each one run at a
// constant rate whose first whole seconds are an unjudged warm-up, keeps
// every step's report, and summarises.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "capacity/thread_demand.h"
#include "capacity/warmup_window.h"
#include "loadgate/capacity.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

// The engine reports a second's statistics within this of its end.
constexpr std::chrono::milliseconds kLastSecondReport{500};

// The JSON report and Locust's CSV beside it; throws when it cannot write.
void WriteStepReport(const RunReport& report,
                     const std::filesystem::path& path) {
  std::ofstream json(path);
  WriteJson(report, json);
  std::filesystem::path csv_path = path;
  std::ofstream csv(csv_path.replace_extension(".csv"));
  WriteCsv(report, csv);
  json.close();
  csv.close();
  if (!json || !csv) {
    throw std::runtime_error("could not write " + path.string());
  }
}

struct StepPlan {
  double rate = 0;
  int number = 0;
  std::string name;  // step<k>_<rate>rps
  OpenModel model;
};

StepPlan PlanStep(const CapacityOptions& options, double rate, int number) {
  StepPlan plan{
      rate, number,
      "step" + std::to_string(number) + "_" + FormatNumber(rate) + "rps",
      options.model};
  plan.model.rate = rate / options.session_requests;
  if (plan.model.max_in_flight <= 0) {
    // Set here, not left to the engine, so the StepLimit rule knows how
    // many slots the step had.
    plan.model.max_in_flight =
        AutomaticMaxInFlight(plan.model.rate, options.in_flight_seconds);
  }
  return plan;
}

// The warm-up in whole seconds: the engine reports its cumulative
// statistics once a second, so the judged part starts at a whole second.
int64_t WarmupSeconds(const CapacityOptions& options) {
  const std::chrono::nanoseconds warmup = options.warmup.value_or(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          options.step_duration * kDefaultWarmupShare));
  return std::chrono::ceil<std::chrono::seconds>(warmup).count();
}

// The step's run (warm-up then judged part, one run, so that the queues
// the warm-up built carry on) and how busy loadgate's threads were.
struct StepRun {
  RunReport judged;
  StepConditions conditions;
};

StepRun RunWarmupAndStep(const Scenario& scenario,
                         const CapacityOptions& options, const StepPlan& plan) {
  const int64_t warmup_s = WarmupSeconds(options);
  RunOptions run_options = options.run;
  run_options.duration = options.step_duration + std::chrono::seconds(warmup_s);
  std::vector<TagStats> at_warmup_end;
  int64_t judged_from_s = -1;
  uint64_t carried_over = 0;
  capacity::ThreadDemand demand;
  run_options.on_progress = [&](const Progress& progress) {
    const int64_t second =
        std::chrono::floor<std::chrono::seconds>(progress.elapsed).count();
    const bool warmup_ends = judged_from_s < 0 && second >= warmup_s;
    // The load window only: the graceful stop after it is no lag.
    if (progress.elapsed <= run_options.duration + kLastSecondReport) {
      demand.Sample(progress.elapsed, warmup_ends && warmup_s > 0);
    }
    if (!warmup_ends || warmup_s == 0) return;
    judged_from_s = second;
    at_warmup_end = *progress.tags;
    carried_over = progress.in_flight;
  };
  RunReport whole = Run(scenario, plan.model, run_options);
  StepRun step;
  step.judged = judged_from_s > 0
                    ? capacity::AfterWarmup(whole, at_warmup_end, judged_from_s)
                    : std::move(whole);
  step.judged.info.name =
      (options.name.empty() ? "" : options.name + ".") + plan.name;
  step.conditions = {.max_in_flight = plan.model.max_in_flight,
                     .generator_busy_share = demand.BusiestShare(),
                     .carried_over = judged_from_s > 0 ? carried_over : 0};
  return step;
}

CapacityStep RunStep(const Scenario& scenario,
                     const std::vector<Objective>& objectives,
                     const CapacityOptions& options, const StepPlan& plan) {
  StepRun run = RunWarmupAndStep(scenario, options, plan);
  CapacityStep step = JudgeCapacityStep(plan.rate, std::move(run.judged),
                                        objectives, options, run.conditions);
  if (!options.report_dir.empty()) {
    step.report_file = options.report_dir / (plan.name + ".json");
    WriteStepReport(step.report, step.report_file);
  }
  return step;
}

}  // namespace

CapacityResult FindCapacity(const Scenario& scenario,
                            std::vector<Objective> objectives,
                            CapacityOptions options) {
  CapacitySearch search(options);
  if (!options.report_dir.empty()) {
    std::filesystem::create_directories(options.report_dir);
  }
  std::vector<CapacityStep> steps;
  while (const std::optional<double> rate = search.NextRate()) {
    const StepPlan plan =
        PlanStep(options, *rate, static_cast<int>(steps.size()) + 1);
    if (options.on_step_start) options.on_step_start(plan.rate, plan.number);
    CapacityStep step = RunStep(scenario, objectives, options, plan);
    search.Record(step);
    if (options.on_step_end) options.on_step_end(step);
    steps.push_back(std::move(step));
  }
  return SummarizeCapacity(std::move(steps), std::move(objectives), options);
}

}  // namespace loadgate
