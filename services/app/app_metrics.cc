#include "app/app_metrics.h"

#include <cstdio>

namespace loadgate::services::app {
namespace {

constexpr std::array<std::string_view, kRouteCount> kRouteNames = {
    "/health",
    "/metrics",
    "/patients",
    "/patients/{mrn}",
    "/patients/{mrn}/summary",
    "/encounters",
    "/claims",
    "/documents",
    "/triage",
    "POST /sessions",
    "POST /sessions/{id}/events",
    "GET /sessions/{id}/events",
    "unknown"};
constexpr std::array<std::string_view, kLlmOutcomeCount> kLlmOutcomeNames = {
    "ok", "error", "timeout"};

std::string FormatDouble(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

}  // namespace

std::string_view RouteName(Route route) {
  return kRouteNames[static_cast<int>(route)];
}

void AppMetrics::Histogram::Record(double seconds) {
  counts[prometheus::BucketIndexOfSeconds(seconds)].fetch_add(
      1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6),
                   std::memory_order_relaxed);
}

uint64_t AppMetrics::Histogram::Count() const {
  uint64_t total = 0;
  for (const std::atomic<uint64_t>& count : counts) {
    total += count.load(std::memory_order_relaxed);
  }
  return total;
}

void AppMetrics::Histogram::Render(std::string_view name,
                                   std::string_view labels,
                                   std::string* out) const {
  const std::string prefix = std::string(name) + "_bucket{" +
                             std::string(labels) + (labels.empty() ? "" : ",") +
                             "le=\"";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= prometheus::kBucketCount; ++i) {
    cumulative += counts[i].load(std::memory_order_relaxed);
    *out += prefix + prometheus::LeLabel(i) + "\"} " +
            std::to_string(cumulative) + "\n";
  }
  std::string braces;
  if (!labels.empty()) braces.append("{").append(labels).append("}");
  *out += std::string(name) + "_sum" + braces + " " +
          FormatDouble(sum_us.load(std::memory_order_relaxed) / 1e6) + "\n";
  *out += std::string(name) + "_count" + braces + " " +
          std::to_string(cumulative) + "\n";
}

void AppMetrics::RecordRequest(Route route, int status, double seconds) {
  size_t index = kStatuses.size() - 1;  // "other"
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      index = i;
      break;
    }
  }
  const int r = static_cast<int>(route);
  requests_[r][index].fetch_add(1, std::memory_order_relaxed);
  latency_[r].Record(seconds);
}

void AppMetrics::RecordLlmCall(LlmCallOutcome outcome, double seconds) {
  llm_calls_[static_cast<int>(outcome)].fetch_add(1, std::memory_order_relaxed);
  llm_latency_.Record(seconds);
}

std::string AppMetrics::Render(const GaugeSnapshot& gauges) const {
  std::string out;
  out +=
      "# HELP app_requests_total HTTP requests answered, by route and "
      "status.\n# TYPE app_requests_total counter\n";
  for (int r = 0; r < kRouteCount; ++r) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      const uint64_t count = requests_[r][s].load(std::memory_order_relaxed);
      if (count == 0) continue;
      out += "app_requests_total{route=\"" + std::string(kRouteNames[r]) +
             "\",status=\"" +
             (kStatuses[s] != 0 ? std::to_string(kStatuses[s]) : "other") +
             "\"} " + std::to_string(count) + "\n";
    }
  }
  out +=
      "# HELP app_request_duration_seconds Time from request to response, "
      "by route.\n# TYPE app_request_duration_seconds histogram\n";
  for (int r = 0; r < kRouteCount; ++r) {
    // A route's series appear with its first request, as client libraries
    // create labelled series on first use: 118 buckets per unused route
    // would bury the others.
    if (latency_[r].Count() == 0) continue;
    latency_[r].Render("app_request_duration_seconds",
                       "route=\"" + std::string(kRouteNames[r]) + "\"", &out);
  }
  out +=
      "# HELP app_llm_calls_total Outgoing LLM calls, by outcome.\n"
      "# TYPE app_llm_calls_total counter\n";
  for (int o = 0; o < kLlmOutcomeCount; ++o) {
    out += "app_llm_calls_total{outcome=\"" + std::string(kLlmOutcomeNames[o]) +
           "\"} " +
           std::to_string(llm_calls_[o].load(std::memory_order_relaxed)) + "\n";
  }
  out +=
      "# HELP app_llm_call_duration_seconds Outgoing LLM call latency.\n"
      "# TYPE app_llm_call_duration_seconds histogram\n";
  llm_latency_.Render("app_llm_call_duration_seconds", "", &out);
  auto gauge = [&out](const char* name, const char* help, int64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
           " gauge\n" + name + " " + std::to_string(value) + "\n";
  };
  gauge("app_db_pool_size", "Database connections in the pool.",
        gauges.db_pool_size);
  gauge("app_db_pool_in_use", "Database connections running a query.",
        gauges.db_pool_in_use);
  gauge("app_db_pool_waiting", "Requests waiting for a database connection.",
        gauges.db_pool_waiting);
  out +=
      "# HELP app_db_pool_timeouts_total Requests answered 503 because no "
      "connection became free in time.\n# TYPE app_db_pool_timeouts_total "
      "counter\napp_db_pool_timeouts_total " +
      std::to_string(gauges.db_pool_timeouts) + "\n";
  gauge("app_session_waiters", "Long polls waiting for session events.",
        gauges.session_waiters);
  gauge("app_agent_turns_in_flight", "Agent replies being produced.",
        gauges.agent_turns_in_flight);
  return out;
}

}  // namespace loadgate::services::app
