#include "scale/capacity.h"

#include <nlohmann/json.hpp>

#include "loadgate/format.h"

namespace loadgate::suites::scale {
namespace {

constexpr double kFirstStepShare = 0.25;
constexpr double kStepFactor = 2;
// Far beyond what the embedded stack carries on a small machine, so the
// search ends at a knee; the bound only keeps a broken measurement (or a
// very large machine) from searching forever.
constexpr double kMaxStepRate = 16000;

double Seconds(double nanoseconds) { return nanoseconds / 1e9; }

double P95Milliseconds(const RunReport& report) {
  return static_cast<double>(report.metrics.total.latency.Percentile(95)) / 1e6;
}

}  // namespace

std::vector<double> KneeRates(double preset_rps) {
  std::vector<double> rates;
  if (!(preset_rps > 0)) return rates;
  for (double rate = preset_rps * kFirstStepShare; rate <= kMaxStepRate;
       rate *= kStepFactor) {
    rates.push_back(rate);
  }
  return rates;
}

bool KneeStep::passed() const {
  if (!report.info.stop_reason.empty()) return false;
  for (const ObjectiveResult& result : results) {
    if (!result.passed) return false;
  }
  return true;
}

std::string KneeStep::Breakage() const {
  std::string breakage;
  if (!report.info.stop_reason.empty()) {
    breakage = "the run stopped early: " + report.info.stop_reason + "\n";
  }
  for (const ObjectiveResult& result : results) {
    if (!result.passed) breakage += result.explanation + "\n";
  }
  if (!breakage.empty()) breakage.pop_back();
  return breakage;
}

KneeStep JudgeStep(double target_rps, RunReport report,
                   const std::vector<Objective>& objectives) {
  KneeStep step;
  step.target_rps = target_rps;
  step.report = std::move(report);
  for (const Objective& objective : objectives) {
    step.results.push_back(Evaluate(objective, step.report));
  }
  return step;
}

CapacitySummary SummarizeCapacity(const std::vector<KneeStep>& steps,
                                  const std::string& session_metric,
                                  int session_requests,
                                  std::chrono::nanoseconds mean_think) {
  CapacitySummary capacity;
  capacity.session_requests = session_requests;
  capacity.think_seconds = Seconds(static_cast<double>(mean_think.count()));
  const KneeStep* knee = nullptr;
  for (const KneeStep& step : steps) {
    if (!step.passed()) {
      capacity.bounded = true;
      capacity.first_breakage = step.Breakage();
      break;
    }
    knee = &step;
  }
  if (knee == nullptr) return capacity;

  const RunReport& report = knee->report;
  capacity.found = true;
  capacity.capacity_rps = knee->target_rps;
  capacity.achieved_rps = report.achieved_rps();
  capacity.knee_report = knee->report_file.filename().string();
  if (const CustomMetric* session = report.FindCustom(session_metric)) {
    capacity.sessions = session->count;
    capacity.session_seconds = Seconds(session->value.mean());
  }
  capacity.capacity_users = capacity.capacity_rps / session_requests *
                            (capacity.session_seconds + capacity.think_seconds);

  capacity.prompt_tokens = report.metrics.total.prompt_tokens;
  capacity.output_tokens = report.metrics.total.output_tokens;
  capacity.prices = report.info.prices;
  const double cost = report.estimated_cost_usd();
  if (report.requests() > 0) {
    capacity.cost_per_request_usd = cost / report.requests();
  }
  if (capacity.sessions > 0) {
    capacity.cost_per_session_usd = cost / capacity.sessions;
  }
  return capacity;
}

void WriteCapacityText(const CapacitySummary& capacity,
                       const std::vector<KneeStep>& steps, std::ostream& out) {
  out << "knee-point search:\n";
  for (const KneeStep& step : steps) {
    out << "  " << FormatNumber(step.target_rps, 1)
        << " req/s: " << (step.passed() ? "met every objective" : "BROKE")
        << " (achieved " << FormatNumber(step.report.achieved_rps(), 1)
        << " req/s, p95 " << FormatNumber(P95Milliseconds(step.report), 1)
        << " ms, errors " << FormatNumber(step.report.error_rate() * 100, 2)
        << " %) -> " << step.report_file.filename().string() << "\n";
  }
  if (!capacity.found) {
    out << "no capacity: the first step broke an objective\n"
        << capacity.first_breakage << "\n";
    return;
  }
  out << "capacity planning:\n"
      << "  capacity        " << (capacity.bounded ? "" : ">= ")
      << FormatNumber(capacity.capacity_rps, 1) << " req/s (achieved "
      << FormatNumber(capacity.achieved_rps, 1) << ")"
      << (capacity.bounded ? "" : ", nothing broke up to the last step")
      << "\n";
  if (capacity.bounded) {
    out << "  the next step broke " << capacity.first_breakage << "\n";
  }
  out << "  concurrent users " << FormatNumber(capacity.capacity_users, 0)
      << " = " << FormatNumber(capacity.capacity_rps, 1) << " req/s / "
      << capacity.session_requests << " requests per session x ("
      << FormatNumber(capacity.session_seconds, 3) << " s session + "
      << FormatNumber(capacity.think_seconds, 3) << " s think)\n"
      << "  LLM tokens      " << capacity.prompt_tokens << " in, "
      << capacity.output_tokens << " out over " << capacity.sessions
      << " sessions at $" << FormatNumber(capacity.prices.input_per_million)
      << " / $" << FormatNumber(capacity.prices.output_per_million)
      << " per million\n"
      << "  cost            $" << FormatNumber(capacity.cost_per_request_usd, 8)
      << " per request, $" << FormatNumber(capacity.cost_per_session_usd, 8)
      << " per session\n";
}

void WriteCapacityJson(const CapacitySummary& capacity,
                       const std::vector<KneeStep>& steps, std::ostream& out) {
  nlohmann::json json = {
      {"found", capacity.found},
      {"bounded", capacity.bounded},
      {"capacity_rps", capacity.capacity_rps},
      {"achieved_rps", capacity.achieved_rps},
      {"knee_report", capacity.knee_report},
      {"capacity_users", capacity.capacity_users},
      {"session_requests", capacity.session_requests},
      {"session_mean_s", capacity.session_seconds},
      {"think_mean_s", capacity.think_seconds},
      {"sessions", capacity.sessions},
      {"prompt_tokens", capacity.prompt_tokens},
      {"output_tokens", capacity.output_tokens},
      {"prices_usd_per_million",
       {{"input", capacity.prices.input_per_million},
        {"output", capacity.prices.output_per_million}}},
      {"cost_per_request_usd", capacity.cost_per_request_usd},
      {"cost_per_session_usd", capacity.cost_per_session_usd},
      {"first_breakage", capacity.first_breakage},
  };
  nlohmann::json& json_steps = json["steps"] = nlohmann::json::array();
  for (const KneeStep& step : steps) {
    json_steps.push_back({
        {"target_rps", step.target_rps},
        {"achieved_rps", step.report.achieved_rps()},
        {"requests", step.report.requests()},
        {"error_rate", step.report.error_rate()},
        {"latency_p95_ms", P95Milliseconds(step.report)},
        {"passed", step.passed()},
        {"breakage", step.Breakage()},
        {"report", step.report_file.filename().string()},
    });
  }
  out << json.dump(2) << "\n";
}

std::vector<std::pair<std::string, std::string>> CapacityProperties(
    const CapacitySummary& capacity) {
  return {
      {"loadgate.capacity_rps", FormatNumber(capacity.capacity_rps)},
      {"loadgate.capacity_bounded", capacity.bounded ? "true" : "false"},
      {"loadgate.capacity_users", FormatNumber(capacity.capacity_users, 1)},
      {"loadgate.cost_per_request_usd",
       FormatNumber(capacity.cost_per_request_usd, 9)},
      {"loadgate.cost_per_session_usd",
       FormatNumber(capacity.cost_per_session_usd, 9)},
  };
}

}  // namespace loadgate::suites::scale
