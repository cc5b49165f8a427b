#include "scale/scale_workload.h"

#include <utility>

#include "sample_app_workload.h"

namespace loadgate::suites::scale {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::nanoseconds kThinkMin = 500ms;
constexpr std::chrono::nanoseconds kThinkMax = 1500ms;

// Patients of the sample app's default data set (MRN00000001 ...) the
// sessions open; each is asked one of the questions, in turn.
constexpr int kSessionPatients = 1000;

constexpr char kListTag[] = "GET /patients";
constexpr char kSummaryTag[] = "GET /patients/{mrn}/summary";
constexpr char kClaimsTag[] = "GET /claims";

// In session order.
std::vector<Request> SessionRequests() {
  Request triage;
  triage.name = kTriageTag;
  triage.method = "POST";
  triage.url = "/triage";
  triage.headers = {{"Content-Type", "application/json"}};
  triage.body = R"({"mrn": "{mrn}", "query": "{query}"})";
  // An LLM answer: far longer than a read, never a connection's default.
  triage.timeout = 30s;
  triage.checks = {Check::Status(200), Check::JsonPresent("/response"),
                   Check::JsonPresent("/usage/completion_tokens")};
  return {
      ApiGet(kListTag, "/patients?limit=20",
             {Check::Status(200), Check::JsonPresent("/items/19/mrn")}),
      ApiGet(kSummaryTag, "/patients/{mrn}/summary",
             {Check::Status(200), Check::JsonPresent("/patient/mrn"),
              Check::JsonPresent("/totals/billed_cents")}),
      ApiGet(kClaimsTag, "/claims?mrn={mrn}",
             {Check::Status(200), Check::JsonPresent("/items")}),
      std::move(triage),
  };
}

Objective Below(std::string metric, double percentile, double threshold,
                std::string tag) {
  return Objective{.metric = std::move(metric),
                   .percentile = percentile,
                   .op = Objective::Op::kLt,
                   .threshold = threshold,
                   .tag = std::move(tag)};
}

}  // namespace

ThinkTime SessionThinkTime() {
  return ThinkTime::Uniform(kThinkMin, kThinkMax);
}

std::chrono::nanoseconds MeanThinkTime() { return (kThinkMin + kThinkMax) / 2; }

Scenario SessionScenario(const std::string& base_url) {
  Scenario scenario =
      SampleAppScenario("scale", base_url, PatientQuestions(kSessionPatients));
  Flow session;
  session.name = "clinician session";
  session.metric = kSessionMetric;
  for (Request& request : SessionRequests()) {
    session.steps.push_back(Step{.request = std::move(request)});
  }
  scenario.Add(std::move(session));
  return scenario;
}

OpenModel OpenSessions(double rate_rps, int max_in_flight) {
  OpenModel model;
  model.rate = rate_rps / kSessionRequests;
  model.max_in_flight = max_in_flight;
  return model;
}

std::vector<Objective> SessionObjectives() {
  return {
      Below("error_rate", 0, 0.01, ""),
      Below("latency", 95, 100, kListTag),
      Below("latency", 95, 100, kSummaryTag),
      Below("latency", 95, 100, kClaimsTag),
      Below("latency", 95, 3000, kTriageTag),
      Below(std::string("custom:") + kSessionMetric, 95, 5000, ""),
  };
}

}  // namespace loadgate::suites::scale
