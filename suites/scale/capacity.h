// Knee-point discovery and the capacity-planning summary drawn from it: the
// open-model rate is raised step by step until an objective breaks, and the
// highest rate that met every objective is the capacity, also expressed as
// concurrent users and as LLM cost per request and per session.
#ifndef LOADGATE_SUITES_SCALE_CAPACITY_H_
#define LOADGATE_SUITES_SCALE_CAPACITY_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"

namespace loadgate::suites::scale {

// The request rates a knee search tries for a preset: a quarter of it
// (a load the machine carries with room to spare, so the first step passes
// unless the application is broken), doubling up to 16000 req/s; the search
// stops at the first step that breaks an objective. None for a preset
// without a positive rate.
std::vector<double> KneeRates(double preset_rps);

// One rate of the search.
struct KneeStep {
  double target_rps = 0;
  RunReport report;
  std::vector<ObjectiveResult> results;
  std::filesystem::path report_file;

  // Every objective met and the run not stopped early.
  bool passed() const;
  // What broke: the failed objectives' explanations (and an early stop),
  // one per line; empty when passed().
  std::string Breakage() const;
};

// Judges `report` (a step run at `target_rps`) by `objectives`.
KneeStep JudgeStep(double target_rps, RunReport report,
                   const std::vector<Objective>& objectives);

struct CapacitySummary {
  // False when even the first step broke an objective: no capacity.
  bool found = false;
  // True when a later step broke an objective; false when every step passed
  // and the capacity is only a lower bound.
  bool bounded = false;
  double capacity_rps = 0;  // the highest step rate that met every objective
  double achieved_rps = 0;  // what that step completed per second
  std::string knee_report;  // that step's report file
  // Little's law for users: each user has one session in progress or is
  // thinking, so users = session arrivals/s x (mean session + mean think),
  // with session arrivals/s = capacity_rps / session_requests.
  int session_requests = 0;
  double session_seconds = 0;  // mean session at the knee
  double think_seconds = 0;
  double capacity_users = 0;
  // The knee step's LLM token usage priced per million tokens.
  uint64_t sessions = 0;
  uint64_t prompt_tokens = 0;
  uint64_t output_tokens = 0;
  TokenPrices prices;
  double cost_per_request_usd = 0;
  double cost_per_session_usd = 0;
  std::string first_breakage;  // Breakage() of the first failed step
};

// `session_metric` names the custom metric that times a session of
// `session_requests` requests; `mean_think` is the think time between them.
CapacitySummary SummarizeCapacity(const std::vector<KneeStep>& steps,
                                  const std::string& session_metric,
                                  int session_requests,
                                  std::chrono::nanoseconds mean_think);

// Terminal text: one line per step, then the capacity figures.
void WriteCapacityText(const CapacitySummary& capacity,
                       const std::vector<KneeStep>& steps, std::ostream& out);
// The same as JSON, each step with its report file name.
void WriteCapacityJson(const CapacitySummary& capacity,
                       const std::vector<KneeStep>& steps, std::ostream& out);
// JUnit properties: loadgate.capacity_rps, loadgate.capacity_users,
// loadgate.cost_per_request_usd, loadgate.cost_per_session_usd, ...
std::vector<std::pair<std::string, std::string>> CapacityProperties(
    const CapacitySummary& capacity);

}  // namespace loadgate::suites::scale

#endif  // LOADGATE_SUITES_SCALE_CAPACITY_H_
