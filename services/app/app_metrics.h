#ifndef SERVICES_APP_APP_METRICS_H_
#define SERVICES_APP_APP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/prometheus_buckets.h"

namespace loadgate::services::app {

enum class Route {
  kHealth,
  kMetrics,
  kPatients,
  kPatient,
  kPatientSummary,
  kEncounters,
  kClaims,
  kDocuments,
  kTriage,
  kSessionCreate,
  kSessionEventPost,
  kSessionEventList,
  kUnknown,
};
inline constexpr int kRouteCount = static_cast<int>(Route::kUnknown) + 1;
std::string_view RouteName(Route route);  // the `route` label

enum class LlmCallOutcome { kOk, kError, kTimeout };
inline constexpr int kLlmOutcomeCount = 3;

// Live values read when /metrics is rendered.
struct GaugeSnapshot {
  int64_t db_pool_size = 0;
  int64_t db_pool_in_use = 0;
  int64_t db_pool_waiting = 0;
  uint64_t db_pool_timeouts = 0;
  int64_t session_waiters = 0;
  int64_t agent_turns_in_flight = 0;
};

// Request counts by route and status, latency histograms by route (for the
// routes that were requested) and LLM calls by outcome, in the Prometheus
// text format. Recording is lock-free
// (relaxed atomics on fixed arrays): it happens on every request.
class AppMetrics {
 public:
  void RecordRequest(Route route, int status, double seconds);
  void RecordLlmCall(LlmCallOutcome outcome, double seconds);
  std::string Render(const GaugeSnapshot& gauges) const;

  // Statuses counted individually; anything else is counted as "other".
  static constexpr std::array<int, 13> kStatuses = {
      200, 201, 400, 404, 405, 413, 415, 499, 500, 502, 503, 504, 0};

 private:
  // Over loadgate's bucket table (common/prometheus_buckets.h), +Inf last.
  struct Histogram {
    std::array<std::atomic<uint64_t>, prometheus::kBucketCount + 1> counts{};
    std::atomic<uint64_t> sum_us{0};
    void Record(double seconds);
    uint64_t Count() const;
    void Render(std::string_view name, std::string_view labels,
                std::string* out) const;
  };
  std::array<std::array<std::atomic<uint64_t>, kStatuses.size()>, kRouteCount>
      requests_{};
  std::array<Histogram, kRouteCount> latency_;
  std::array<std::atomic<uint64_t>, kLlmOutcomeCount> llm_calls_{};
  Histogram llm_latency_;
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_APP_METRICS_H_
