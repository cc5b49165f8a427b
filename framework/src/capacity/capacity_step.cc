// The capacity search's arithmetic (capacity.h): judging a step by its
// objectives and by the StepLimit rule, choosing the next rate, and the
// capacity-planning figures drawn from the steps.
#include <algorithm>
#include <stdexcept>

#include "loadgate/capacity.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

double NsToSeconds(double nanoseconds) { return nanoseconds / 1e9; }

// Whether the step sent fewer requests, or sent them later, than its rate
// allows by more than the tolerance (see StepLimit). Counts are whole
// iterations: one iteration's requests more or less is no shortfall.
bool FellShort(double target_rps, const RunReport& report,
               const OfferedLoad& offered, const CapacityOptions& options) {
  const double tolerance = options.rate_tolerance;
  const double actual_s =
      NsToSeconds(static_cast<double>(report.info.actual_duration_ns));
  const double planned_s =
      NsToSeconds(static_cast<double>(report.info.planned_duration_ns));
  return offered.sent_rps * actual_s + options.session_requests <
             (1 - tolerance) * target_rps * actual_s ||
         offered.mean_send_lag_s > tolerance * planned_s / 2;
}

std::string LimitReason(double target_rps, const OfferedLoad& offered,
                        StepLimit limit) {
  std::string reason =
      std::string(StepLimitName(limit)) + ": sent " +
      FormatNumber(offered.sent_rps, 1) + " of " + FormatNumber(target_rps, 1) +
      " req/s, " + FormatMilliseconds(offered.mean_send_lag_s * 1e9) +
      " mean send lag; loadgate's busiest thread " +
      FormatPercent(offered.generator_busy_share) + " busy, " +
      FormatPercent(offered.slot_occupancy) + " of " +
      std::to_string(offered.max_in_flight) + " in-flight slots busy";
  if (limit == StepLimit::kGenerator) {
    return reason +
           " (loadgate could not send on time: add threads or machines, "
           "or search lower rates)";
  }
  return reason +
         " (the service held every slot: it answered too slowly for the "
         "rate)";
}

}  // namespace

std::string_view StepLimitName(StepLimit limit) {
  switch (limit) {
    case StepLimit::kGenerator:
      return "generator limit";
    case StepLimit::kService:
      return "service limit";
    case StepLimit::kNone:
      break;
  }
  return "none";
}

std::string_view OutcomeName(CapacityResult::Outcome outcome) {
  switch (outcome) {
    case CapacityResult::Outcome::kFound:
      return "found";
    case CapacityResult::Outcome::kLowerBound:
      return "lower bound";
    case CapacityResult::Outcome::kRefused:
      return "refused";
    case CapacityResult::Outcome::kNone:
      break;
  }
  return "none";
}

bool CapacityStep::refused() const {
  return limit == StepLimit::kGenerator ||
         report.info.stop_reason == kStopReasonInterrupted;
}

bool CapacityStep::passed() const {
  if (limit != StepLimit::kNone || !report.info.stop_reason.empty()) {
    return false;
  }
  return std::all_of(
      results.begin(), results.end(),
      [](const ObjectiveResult& result) { return result.passed; });
}

std::string CapacityStep::Breakage() const {
  std::string breakage;
  if (!report.info.stop_reason.empty()) {
    breakage = "the run stopped early: " + report.info.stop_reason + "\n";
  }
  if (limit != StepLimit::kNone) breakage += limit_reason + "\n";
  for (const ObjectiveResult& result : results) {
    if (!result.passed) breakage += result.explanation + "\n";
  }
  if (!breakage.empty()) breakage.pop_back();
  return breakage;
}

CapacityStep JudgeCapacityStep(double target_rps, RunReport report,
                               const std::vector<Objective>& objectives,
                               const CapacityOptions& options,
                               const StepConditions& conditions) {
  CapacityStep step;
  step.target_rps = target_rps;
  step.report = std::move(report);
  for (const Objective& objective : objectives) {
    step.results.push_back(Evaluate(objective, step.report));
  }
  const TagStats& total = step.report.metrics.total;
  const double seconds =
      NsToSeconds(static_cast<double>(step.report.info.actual_duration_ns));
  const uint64_t not_offered =
      total.errors_by_kind[static_cast<int>(ErrorKind::kNotSent)] +
      conditions.carried_over;
  const uint64_t sent = total.requests - std::min(total.requests, not_offered);
  OfferedLoad& offered = step.offered;
  offered.sent_rps = seconds > 0 ? static_cast<double>(sent) / seconds : 0;
  offered.mean_send_lag_s = NsToSeconds(total.send_lag.mean());
  offered.max_in_flight = conditions.max_in_flight;
  // Little's law: slots busy = iterations/s x iteration time, with an
  // iteration session_requests requests long.
  offered.slot_occupancy = conditions.max_in_flight > 0
                               ? offered.sent_rps *
                                     NsToSeconds(total.service_time.mean()) /
                                     conditions.max_in_flight
                               : 0;
  offered.generator_busy_share = conditions.generator_busy_share;
  if (FellShort(target_rps, step.report, offered, options)) {
    const bool generator_busy =
        offered.generator_busy_share >= kGeneratorBusyShare;
    const bool slots_full = offered.slot_occupancy >= kSaturatedSlots;
    step.limit = generator_busy || !slots_full ? StepLimit::kGenerator
                                               : StepLimit::kService;
    step.limit_reason = LimitReason(target_rps, offered, step.limit);
  }
  return step;
}

CapacitySearch::CapacitySearch(const CapacityOptions& options)
    : options_(options) {
  auto invalid = [](const std::string& what) {
    throw std::invalid_argument(what);
  };
  if (!(options.start_rps > 0)) invalid("start: expected a positive rate");
  if (!(options.max_rps >= options.start_rps)) {
    invalid("max: expected a rate at or above start (" +
            FormatNumber(options.start_rps) + " req/s)");
  }
  if (!(options.resolution > 0 && options.resolution < 1)) {
    invalid("resolution: expected a share between 0 and 100 %");
  }
  if (options.step_duration.count() <= 0) {
    invalid("step duration: expected a duration above zero");
  }
  if (options.warmup && options.warmup->count() < 0) {
    invalid("warmup: expected a duration of zero or more");
  }
  if (!(options.rate_tolerance >= 0 && options.rate_tolerance < 1)) {
    invalid("rate tolerance: expected a share from 0 to under 100 %");
  }
  if (options.session_requests < 1) {
    invalid("session requests: expected 1 or more");
  }
}

std::optional<double> CapacitySearch::NextRate() const {
  if (refused_) return std::nullopt;
  if (!started_) return options_.start_rps;
  if (lowest_breaking_ == 0) {  // growing until a step breaks
    if (highest_passing_ >= options_.max_rps) return std::nullopt;
    return std::min(highest_passing_ * kCapacityGrowth, options_.max_rps);
  }
  if (highest_passing_ == 0) return std::nullopt;  // the first step broke
  if ((lowest_breaking_ - highest_passing_) / highest_passing_ <=
      options_.resolution) {
    return std::nullopt;
  }
  return (highest_passing_ + lowest_breaking_) / 2;
}

void CapacitySearch::Record(const CapacityStep& step) {
  started_ = true;
  if (step.refused()) {
    refused_ = true;
  } else if (step.passed()) {
    highest_passing_ = std::max(highest_passing_, step.target_rps);
  } else if (lowest_breaking_ == 0 || step.target_rps < lowest_breaking_) {
    lowest_breaking_ = step.target_rps;
  }
}

const CapacityStep* CapacityResult::knee() const {
  if (!found()) return nullptr;
  for (const CapacityStep& step : steps) {
    if (step.passed() && step.target_rps == capacity_rps) return &step;
  }
  return nullptr;
}

std::chrono::nanoseconds MeanThinkTime(const ThinkTime& think) {
  switch (think.kind) {
    case ThinkTime::Kind::kConstant:
      return think.value;
    case ThinkTime::Kind::kUniform:
      return (think.min + think.max) / 2;
    case ThinkTime::Kind::kGaussian:
      return std::clamp(think.mean, think.min, think.max);
    case ThinkTime::Kind::kExponential:
      return think.max.count() > 0 ? std::min(think.mean, think.max)
                                   : think.mean;
    case ThinkTime::Kind::kNone:
      break;
  }
  return std::chrono::nanoseconds(0);
}

namespace {

// Users by Little's law and the cost per request and session, from the
// capacity's step.
void AddPlanningFigures(const CapacityStep& knee,
                        const CapacityOptions& options,
                        CapacityResult& result) {
  const RunReport& report = knee.report;
  const CustomMetric* session = options.session_metric.empty()
                                    ? nullptr
                                    : report.FindCustom(options.session_metric);
  if (session != nullptr) {
    result.sessions = session->count;
    result.session_seconds = NsToSeconds(session->value.mean());
  } else {
    result.sessions = report.requests() / options.session_requests;
    result.session_seconds = options.session_requests *
                             NsToSeconds(report.metrics.total.latency.mean());
  }
  result.capacity_users = result.capacity_rps / options.session_requests *
                          (result.session_seconds + result.think_seconds);
  result.prompt_tokens = report.metrics.total.prompt_tokens;
  result.output_tokens = report.metrics.total.output_tokens;
  result.prices = report.info.prices;
  const double cost = report.estimated_cost_usd();
  if (report.requests() > 0) {
    result.cost_per_request_usd = cost / static_cast<double>(report.requests());
  }
  if (result.sessions > 0) {
    result.cost_per_session_usd = cost / static_cast<double>(result.sessions);
  }
}

std::string Refusal(const CapacityStep& step, size_t number,
                    double highest_passing) {
  std::string refusal =
      "step " + std::to_string(number) + " (" +
      FormatNumber(step.target_rps, 1) + " req/s) " +
      (step.limit == StepLimit::kGenerator
           ? "did not reach its rate: " + step.limit_reason
           : "was interrupted: " + step.report.info.stop_reason);
  if (highest_passing > 0) {
    refusal += "; the highest rate that met every objective before it was " +
               FormatNumber(highest_passing, 1) + " req/s";
  }
  return refusal;
}

}  // namespace

CapacityResult SummarizeCapacity(std::vector<CapacityStep> steps,
                                 std::vector<Objective> objectives,
                                 const CapacityOptions& options) {
  CapacityResult result;
  result.steps = std::move(steps);
  result.objectives = std::move(objectives);
  result.session_requests = options.session_requests;
  result.think_seconds =
      NsToSeconds(static_cast<double>(options.think_time.count()));
  double highest_passing = 0;
  for (size_t i = 0; i < result.steps.size(); ++i) {
    const CapacityStep& step = result.steps[i];
    if (step.refused()) {
      result.outcome = CapacityResult::Outcome::kRefused;
      result.refusal = Refusal(step, i + 1, highest_passing);
      return result;
    }
    if (step.passed()) {
      highest_passing = std::max(highest_passing, step.target_rps);
    } else if (result.breaking_rps == 0 ||
               step.target_rps < result.breaking_rps) {
      result.breaking_rps = step.target_rps;
      result.breakage = step.Breakage();
    }
  }
  if (highest_passing == 0) return result;  // kNone
  result.outcome = result.breaking_rps > 0
                       ? CapacityResult::Outcome::kFound
                       : CapacityResult::Outcome::kLowerBound;
  result.capacity_rps = highest_passing;
  AddPlanningFigures(*result.knee(), options, result);
  return result;
}

}  // namespace loadgate
