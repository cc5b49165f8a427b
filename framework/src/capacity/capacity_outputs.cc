// The capacity search's text table, capacity.json (and the files beside
// it) and JUnit properties (capacity.h).
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>

#include "loadgate/capacity.h"
#include "loadgate/format.h"

namespace loadgate {
namespace {

double PercentileMs(const Histogram& histogram, double percentile) {
  return static_cast<double>(histogram.Percentile(percentile)) / 1e6;
}

std::string StepVerdict(const CapacityStep& step) {
  if (step.refused()) {
    return step.limit == StepLimit::kGenerator ? "REFUSED (generator limit)"
                                               : "REFUSED (interrupted)";
  }
  if (step.passed()) return "met every objective";
  return step.limit == StepLimit::kService ? "BROKE (service limit)" : "BROKE";
}

void WritePlanning(const CapacityResult& result, std::ostream& out) {
  out << "  concurrent users " << FormatNumber(result.capacity_users, 0)
      << " = " << FormatNumber(result.capacity_rps, 1) << " req/s / "
      << result.session_requests << " requests per session x ("
      << FormatNumber(result.session_seconds, 3) << " s session + "
      << FormatNumber(result.think_seconds, 3) << " s think)\n"
      << "  LLM tokens      " << result.prompt_tokens << " in, "
      << result.output_tokens << " out over " << result.sessions
      << " sessions at $" << FormatNumber(result.prices.input_per_million)
      << " / $" << FormatNumber(result.prices.output_per_million)
      << " per million\n"
      << "  cost            $" << FormatNumber(result.cost_per_request_usd, 8)
      << " per request, $" << FormatNumber(result.cost_per_session_usd, 8)
      << " per session\n";
}

}  // namespace

void WriteCapacityText(const CapacityResult& result, std::ostream& out) {
  out << "capacity search:\n";
  for (const CapacityStep& step : result.steps) {
    const TagStats& total = step.report.metrics.total;
    out << "  " << FormatNumber(step.target_rps, 1)
        << " req/s: " << StepVerdict(step) << " (sent "
        << FormatNumber(step.offered.sent_rps, 1) << " req/s, p95 "
        << FormatNumber(PercentileMs(total.latency, 95), 1) << " ms, errors "
        << FormatNumber(step.report.error_rate() * 100, 2) << " %)";
    if (!step.report_file.empty()) {
      out << " -> " << step.report_file.filename().string();
    }
    out << "\n";
  }
  switch (result.outcome) {
    case CapacityResult::Outcome::kRefused:
      out << "no capacity reported: " << result.refusal << "\n";
      return;
    case CapacityResult::Outcome::kNone:
      out << "no capacity: the first step broke an objective\n"
          << result.breakage << "\n";
      return;
    case CapacityResult::Outcome::kFound:
    case CapacityResult::Outcome::kLowerBound:
      break;
  }
  const bool bounded = result.outcome == CapacityResult::Outcome::kFound;
  out << "capacity planning:\n"
      << "  capacity        " << (bounded ? "" : ">= ")
      << FormatNumber(result.capacity_rps, 1) << " req/s"
      << (bounded ? "" : ", nothing broke up to the last step") << "\n";
  if (bounded) {
    out << "  " << FormatNumber(result.breaking_rps, 1) << " req/s broke "
        << result.breakage << "\n";
  }
  WritePlanning(result, out);
}

void WriteCapacityJson(const CapacityResult& result, std::ostream& out) {
  nlohmann::json json = {
      {"outcome", OutcomeName(result.outcome)},
      {"found", result.found()},
      {"bounded", result.outcome == CapacityResult::Outcome::kFound},
      {"capacity_rps", result.capacity_rps},
      {"breaking_rps", result.breaking_rps},
      {"breakage", result.breakage},
      {"refusal", result.refusal},
      {"knee_report", result.knee() != nullptr
                          ? result.knee()->report_file.filename().string()
                          : ""},
      {"capacity_users", result.capacity_users},
      {"session_requests", result.session_requests},
      {"session_mean_s", result.session_seconds},
      {"think_mean_s", result.think_seconds},
      {"sessions", result.sessions},
      {"prompt_tokens", result.prompt_tokens},
      {"output_tokens", result.output_tokens},
      {"prices_usd_per_million",
       {{"input", result.prices.input_per_million},
        {"output", result.prices.output_per_million}}},
      {"cost_per_request_usd", result.cost_per_request_usd},
      {"cost_per_session_usd", result.cost_per_session_usd},
  };
  nlohmann::json& objectives = json["objectives"] = nlohmann::json::array();
  for (const Objective& objective : result.objectives) {
    objectives.push_back(objective.Describe());
  }
  nlohmann::json& steps = json["steps"] = nlohmann::json::array();
  for (const CapacityStep& step : result.steps) {
    const TagStats& total = step.report.metrics.total;
    steps.push_back({
        {"target_rps", step.target_rps},
        {"sent_rps", step.offered.sent_rps},
        {"achieved_rps", step.report.achieved_rps()},
        {"requests", step.report.requests()},
        {"error_rate", step.report.error_rate()},
        {"latency_p50_ms", PercentileMs(total.latency, 50)},
        {"latency_p95_ms", PercentileMs(total.latency, 95)},
        {"latency_p99_ms", PercentileMs(total.latency, 99)},
        {"ttft_p95_ms", PercentileMs(total.ttft, 95)},
        {"mean_send_lag_ms", step.offered.mean_send_lag_s * 1e3},
        {"slot_occupancy", step.offered.slot_occupancy},
        {"max_in_flight", step.offered.max_in_flight},
        {"generator_busy_share", step.offered.generator_busy_share},
        {"limit", StepLimitName(step.limit)},
        {"passed", step.passed()},
        {"refused", step.refused()},
        {"breakage", step.Breakage()},
        {"report", step.report_file.filename().string()},
    });
  }
  out << json.dump(2) << "\n";
}

void WriteCapacityFiles(const CapacityResult& result,
                        const std::filesystem::path& dir) {
  const std::pair<const char*, void (*)(const CapacityResult&, std::ostream&)>
      files[] = {{"capacity.json", WriteCapacityJson},
                 {"capacity.html", WriteCapacityHtml}};
  for (const auto& [name, write] : files) {
    std::ofstream out(dir / name);
    write(result, out);
    out.close();
    if (!out)
      throw std::runtime_error("could not write " + (dir / name).string());
  }
}

std::vector<std::pair<std::string, std::string>> CapacityProperties(
    const CapacityResult& result) {
  return {
      {"loadgate.capacity_outcome", std::string(OutcomeName(result.outcome))},
      {"loadgate.capacity_rps", FormatNumber(result.capacity_rps)},
      {"loadgate.capacity_bounded",
       result.outcome == CapacityResult::Outcome::kFound ? "true" : "false"},
      {"loadgate.capacity_users", FormatNumber(result.capacity_users, 1)},
      {"loadgate.cost_per_request_usd",
       FormatNumber(result.cost_per_request_usd, 9)},
      {"loadgate.cost_per_session_usd",
       FormatNumber(result.cost_per_session_usd, 9)},
  };
}

}  // namespace loadgate
