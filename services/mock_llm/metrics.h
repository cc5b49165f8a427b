#ifndef SERVICES_MOCK_LLM_METRICS_H_
#define SERVICES_MOCK_LLM_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "common/prometheus_buckets.h"

namespace loadgate::services::mock_llm {

// The mock's own Prometheus metrics. Recording goes to one of a few shards
// picked per thread, so worker threads never contend; a scrape merges them.
class Metrics {
 public:
  void RequestDone(std::string_view api, std::string_view model, int status);
  void TokensGenerated(int64_t tokens);
  void FirstToken(double seconds);
  void StreamStarted() { in_flight_streams_.fetch_add(1); }
  void StreamEnded() { in_flight_streams_.fetch_sub(1); }
  std::atomic<int64_t>& in_flight() { return in_flight_; }

  std::string RenderPrometheus() const;

 private:
  static constexpr int kShards = 8;
  // Client-chosen model names must not grow the label set without bound.
  static constexpr size_t kMaxSeries = 2048;
  using SeriesKey = std::tuple<std::string, std::string, int>;
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::map<SeriesKey, int64_t> requests;
    // Over loadgate's bucket table (common/prometheus_buckets.h), +Inf last.
    std::array<int64_t, prometheus::kBucketCount + 1> ttft_counts{};
    double ttft_sum = 0;
    int64_t tokens = 0;
  };
  Shard& LocalShard();

  std::array<Shard, kShards> shards_;
  std::atomic<int> next_shard_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> in_flight_streams_{0};
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_METRICS_H_
