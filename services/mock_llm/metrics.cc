#include "mock_llm/metrics.h"

#include <cstdio>

namespace loadgate::services::mock_llm {

Metrics::Shard& Metrics::LocalShard() {
  // Threads are few and long-lived (one per event loop).
  thread_local int index = -1;
  thread_local const Metrics* owner = nullptr;
  if (owner != this) {
    owner = this;
    index = next_shard_.fetch_add(1) % kShards;
  }
  return shards_[index];
}

void Metrics::RequestDone(std::string_view api, std::string_view model,
                          int status) {
  Shard& shard = LocalShard();
  std::lock_guard<std::mutex> lock(shard.mutex);
  SeriesKey key{std::string(api), std::string(model), status};
  auto it = shard.requests.find(key);
  if (it != shard.requests.end()) {
    ++it->second;
  } else if (shard.requests.size() < kMaxSeries) {
    shard.requests.emplace(std::move(key), 1);
  } else {
    ++shard.requests[SeriesKey{std::string(api), "other", status}];
  }
}

void Metrics::TokensGenerated(int64_t tokens) {
  Shard& shard = LocalShard();
  std::lock_guard<std::mutex> lock(shard.mutex);
  shard.tokens += tokens;
}

void Metrics::FirstToken(double seconds) {
  Shard& shard = LocalShard();
  const size_t bucket = prometheus::BucketIndexOfSeconds(seconds);
  std::lock_guard<std::mutex> lock(shard.mutex);
  ++shard.ttft_counts[bucket];
  shard.ttft_sum += seconds;
}

namespace {

// The requests_total series, one line per (API, model, status).
void AppendRequestSeries(
    const std::map<std::tuple<std::string, std::string, int>, int64_t>&
        requests,
    std::string* out) {
  char line[512];
  *out +=
      "# HELP mock_llm_requests_total Requests answered, by API, model and "
      "status.\n# TYPE mock_llm_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    const auto& [api, model, status] = key;
    // Model names come from clients; quotes and backslashes would break the
    // exposition format.
    std::string safe_model;
    for (char c : model.substr(0, 200)) {
      if (c == '"' || c == '\\' || c == '\n') c = '_';
      safe_model.push_back(c);
    }
    std::snprintf(
        line, sizeof(line),
        "mock_llm_requests_total{api=\"%s\",model=\"%s\",status=\"%d\"}"
        " %lld\n",
        api.c_str(), safe_model.c_str(), status, static_cast<long long>(count));
    *out += line;
  }
}

// The time-to-first-token histogram: `counts` per bucket of loadgate's
// table, then the overflow bucket.
void AppendTtftHistogram(
    const std::array<int64_t, prometheus::kBucketCount + 1>& counts, double sum,
    std::string* out) {
  char line[512];
  *out +=
      "# HELP mock_llm_time_to_first_token_seconds Actual time from request "
      "to first token.\n# TYPE mock_llm_time_to_first_token_seconds "
      "histogram\n";
  int64_t cumulative = 0;
  for (size_t i = 0; i < prometheus::kBucketCount; ++i) {
    cumulative += counts[i];
    std::snprintf(line, sizeof(line),
                  "mock_llm_time_to_first_token_seconds_bucket{le=\"%s\"} "
                  "%lld\n",
                  prometheus::LeLabel(i).c_str(),
                  static_cast<long long>(cumulative));
    *out += line;
  }
  cumulative += counts.back();
  std::snprintf(line, sizeof(line),
                "mock_llm_time_to_first_token_seconds_bucket{le=\"+Inf\"} "
                "%lld\nmock_llm_time_to_first_token_seconds_sum %.6f\n"
                "mock_llm_time_to_first_token_seconds_count %lld\n",
                static_cast<long long>(cumulative), sum,
                static_cast<long long>(cumulative));
  *out += line;
}

}  // namespace

std::string Metrics::RenderPrometheus() const {
  std::map<SeriesKey, int64_t> requests;
  std::array<int64_t, prometheus::kBucketCount + 1> ttft{};
  double ttft_sum = 0;
  int64_t tokens = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (const auto& [key, count] : shard.requests) requests[key] += count;
    for (size_t i = 0; i < ttft.size(); ++i) ttft[i] += shard.ttft_counts[i];
    ttft_sum += shard.ttft_sum;
    tokens += shard.tokens;
  }
  std::string out;
  AppendRequestSeries(requests, &out);
  char line[512];
  std::snprintf(line, sizeof(line),
                "# HELP mock_llm_in_flight_requests Requests being served.\n"
                "# TYPE mock_llm_in_flight_requests gauge\n"
                "mock_llm_in_flight_requests %lld\n"
                "# HELP mock_llm_in_flight_streams Streaming responses open.\n"
                "# TYPE mock_llm_in_flight_streams gauge\n"
                "mock_llm_in_flight_streams %lld\n"
                "# HELP mock_llm_tokens_generated_total Output tokens sent.\n"
                "# TYPE mock_llm_tokens_generated_total counter\n"
                "mock_llm_tokens_generated_total %lld\n",
                static_cast<long long>(in_flight_.load()),
                static_cast<long long>(in_flight_streams_.load()),
                static_cast<long long>(tokens));
  out += line;
  AppendTtftHistogram(ttft, ttft_sum, &out);
  return out;
}

}  // namespace loadgate::services::mock_llm
