// Capacity search: the highest open-model rate a scenario sustains while
// meeting every objective, found with steps at constant rates (growing x2
// from `start_rps` until an objective breaks or `max_rps` is reached, then
// bisecting between the highest passing and the lowest breaking rate to
// `resolution`), and what that rate means for capacity planning:
// concurrent users by Little's law and LLM cost per request and per
// session. `loadgate capacity` and FindCapacity() in a GoogleTest suite
// run this same code:
//
//   const loadgate::CapacityResult result = loadgate::FindCapacity(
//       scenario, {loadgate::ParseObjective("p95(ttft) < 150ms")},
//       {.start_rps = 25, .max_rps = 800});
//   EXPECT_CAPACITY_AT_LEAST(result, 150);  // slo.h
//
// A step that did not offer its target rate proves nothing about the
// service: see StepLimit for the rule that tells a generator limit (the
// search refuses to report a capacity) from a service limit (the step
// broke).
#ifndef LOADGATE_CAPACITY_H_
#define LOADGATE_CAPACITY_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"

namespace loadgate {

// The warm-up of a step when CapacityOptions::warmup is not set: this share
// of the step duration.
inline constexpr double kDefaultWarmupShare = 0.25;
// Each step rate is this factor times the previous one until a step breaks.
inline constexpr double kCapacityGrowth = 2;

struct CapacityStep;

struct CapacityOptions {
  double start_rps = 10;   // the first step's rate (requests/s)
  double max_rps = 10000;  // no step is offered more
  // The search ends when (lowest breaking - highest passing) / highest
  // passing <= resolution: 0.05 finds the capacity within 5 %.
  double resolution = 0.05;
  std::chrono::nanoseconds step_duration = std::chrono::seconds(10);
  // Each step runs this long at its rate before its judged part, in the
  // same run, so that connections, caches and the service's queues carry
  // on into what is judged; rounded up to whole seconds (the engine
  // reports cumulative statistics once a second). Default
  // kDefaultWarmupShare of step_duration; 0 for none.
  std::optional<std::chrono::nanoseconds> warmup;
  // How far a step's offered rate may fall short of its target before the
  // step counts as not having reached it (StepLimit).
  double rate_tolerance = 0.05;
  // Requests one iteration (session) of the scenario sends: rates are
  // requests/s and iterations arrive at rate / session_requests per second.
  int session_requests = 1;
  // The custom metric (Flow::metric) that times a session, for Little's
  // law; empty: a session lasts session_requests x the mean request latency.
  std::string session_metric;
  // Mean think time of a user between sessions, for Little's law.
  std::chrono::nanoseconds think_time{0};
  // Each step's load model: `model` with its rate set; a max_in_flight of 0
  // becomes AutomaticMaxInFlight(step rate, in_flight_seconds) (two seconds
  // is a run's own default), set so that a full slot pool can be
  // recognised.
  OpenModel model;
  double in_flight_seconds = 2;
  // Each step's run options (duration replaced by the step's). Prices
  // give the costs.
  RunOptions run;
  // Where each step's reports go: step<k>_<rate>rps.json (and .csv), the
  // judged part only; empty: nowhere.
  std::filesystem::path report_dir;
  std::string name;  // each step report's RunInfo::name prefix
  // Called before each step (rate, step number from 1) and after it.
  std::function<void(double, int)> on_step_start;
  std::function<void(const CapacityStep&)> on_step_end;
};

// Why a step did not offer its target rate. A step falls short when the
// requests it sent fell below (1 - rate_tolerance) x target x duration, or
// when they went out late on average by more than rate_tolerance x
// duration / 2 (a generator that sends at (1 - t) x the rate is, on
// average, t x duration / 2 behind). A short step is then:
//  - kGenerator when loadgate itself lagged: one of the run's event-loop
//    threads was on a CPU or waiting for one (busy, or starved by other
//    processes) for at least kGeneratorBusyShare of the judged part (half:
//    a generator that busy shares the limit with the service, and a step
//    it co-limits measures neither alone)
//    (/proc/self/task/*/schedstat; steps under a second long are not
//    measured), or arrivals were late while in-flight slots were free
//    (less than kSaturatedSlots of them busy by Little's law: sent rate x
//    mean service time / max_in_flight). Nothing is known of the service
//    at this rate: the search refuses to report a capacity.
//  - kService when every in-flight slot was held while loadgate's threads
//    had time to spare: the service answered too slowly to carry the
//    rate, and the waits count in latency. The step broke.
enum class StepLimit { kNone, kGenerator, kService };
inline constexpr double kGeneratorBusyShare = 0.5;
inline constexpr double kSaturatedSlots = 0.9;

// "generator limit", "service limit", "none".
std::string_view StepLimitName(StepLimit limit);

// What one step offered, beside its report.
struct OfferedLoad {
  // Requests sent (not not_sent, nor carried over from the warm-up) /
  // the judged duration.
  double sent_rps = 0;
  double mean_send_lag_s = 0;       // intended to actual send
  double slot_occupancy = 0;        // Little's law share of max_in_flight
  int max_in_flight = 0;            // the step's slots
  double generator_busy_share = 0;  // see StepConditions
};

struct CapacityStep {
  double target_rps = 0;
  RunReport report;
  std::vector<ObjectiveResult> results;
  OfferedLoad offered;
  StepLimit limit = StepLimit::kNone;
  std::string limit_reason;  // the figures behind `limit`; empty for none
  std::filesystem::path report_file;

  // Refused: a generator limit or an interrupted run; nothing was learnt.
  bool refused() const;
  // Reached its rate, met every objective and was not stopped early.
  bool passed() const;
  // Why it did not pass, one reason per line; empty when passed().
  std::string Breakage() const;
};

// What a step's report does not say about how it ran.
struct StepConditions {
  int max_in_flight = 0;  // the step's in-flight slots
  // The largest share of the judged part one of loadgate's event-loop
  // threads spent on a CPU or waiting for one.
  double generator_busy_share = 0;
  // Requests in flight when the warm-up ended: they count in the judged
  // report but were offered in the warm-up.
  uint64_t carried_over = 0;
};

// Judges a finished step: the objectives and the StepLimit rule.
CapacityStep JudgeCapacityStep(double target_rps, RunReport report,
                               const std::vector<Objective>& objectives,
                               const CapacityOptions& options,
                               const StepConditions& conditions);

// The search's arithmetic apart from running steps: which rate comes next
// given the steps so far.
class CapacitySearch {
 public:
  // Throws std::invalid_argument naming the bad option.
  explicit CapacitySearch(const CapacityOptions& options);
  // The next step's rate, or none when the search is over.
  std::optional<double> NextRate() const;
  void Record(const CapacityStep& step);

  double highest_passing() const { return highest_passing_; }  // 0: none
  double lowest_breaking() const { return lowest_breaking_; }  // 0: none
  bool refused() const { return refused_; }

 private:
  CapacityOptions options_;
  double highest_passing_ = 0;
  double lowest_breaking_ = 0;
  bool refused_ = false;
  bool started_ = false;
};

struct CapacityResult {
  enum class Outcome {
    kFound,       // a passing rate below a breaking one, to the resolution
    kLowerBound,  // every step passed up to max_rps: capacity >= it
    kNone,        // the first step broke: no capacity at or above start
    kRefused,     // a step did not reach its rate through loadgate's fault
  };
  Outcome outcome = Outcome::kNone;
  // The highest rate that met every objective (0 when none did) and the
  // lowest that broke one (0 when none did).
  double capacity_rps = 0;
  double breaking_rps = 0;
  std::string breakage;  // Breakage() of the lowest breaking step
  std::string refusal;   // why the search refused; empty unless kRefused
  std::vector<CapacityStep> steps;  // in the order they ran
  std::vector<Objective> objectives;
  const CapacityStep* knee() const;  // the capacity's step, or nullptr

  // Little's law at the capacity: each user has a session in progress or
  // is thinking, so users = sessions/s x (mean session + mean think).
  int session_requests = 1;
  double session_seconds = 0;
  double think_seconds = 0;
  double capacity_users = 0;
  // The capacity step's LLM usage at its prices.
  uint64_t sessions = 0;
  uint64_t prompt_tokens = 0;
  uint64_t output_tokens = 0;
  TokenPrices prices;
  double cost_per_request_usd = 0;
  double cost_per_session_usd = 0;

  bool found() const {
    return outcome == Outcome::kFound || outcome == Outcome::kLowerBound;
  }
};

// "found", "lower bound", "none", "refused".
std::string_view OutcomeName(CapacityResult::Outcome outcome);

// Runs the search (Run() per step and warm-up; blocks). Throws
// std::invalid_argument for bad options or an unusable scenario.
CapacityResult FindCapacity(const Scenario& scenario,
                            std::vector<Objective> objectives,
                            CapacityOptions options);

// The result from steps already run (FindCapacity's last part, and what a
// test of the arithmetic calls).
CapacityResult SummarizeCapacity(std::vector<CapacityStep> steps,
                                 std::vector<Objective> objectives,
                                 const CapacityOptions& options);

// The mean of a think time distribution (Little's law needs no more).
std::chrono::nanoseconds MeanThinkTime(const ThinkTime& think);

// A table for terminals: one line per step, then the figures.
void WriteCapacityText(const CapacityResult& result, std::ostream& out);
// capacity.json: the figures and every step with its report file.
void WriteCapacityJson(const CapacityResult& result, std::ostream& out);
// capacity.html: the knee curve (p50/p95/p99 latency, TTFT when streams
// were measured, error rate against offered rate) and the step table.
void WriteCapacityHtml(const CapacityResult& result, std::ostream& out);
// capacity.json and capacity.html in `dir` (which exists); throws
// std::runtime_error naming the file it could not write.
void WriteCapacityFiles(const CapacityResult& result,
                        const std::filesystem::path& dir);
// JUnit properties: loadgate.capacity_rps, loadgate.capacity_outcome,
// loadgate.capacity_users, loadgate.cost_per_request_usd, ...
std::vector<std::pair<std::string, std::string>> CapacityProperties(
    const CapacityResult& result);

}  // namespace loadgate

#endif  // LOADGATE_CAPACITY_H_
