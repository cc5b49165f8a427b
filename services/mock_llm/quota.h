#ifndef SERVICES_MOCK_LLM_QUOTA_H_
#define SERVICES_MOCK_LLM_QUOTA_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace loadgate::services::mock_llm {

// Requests-per-minute and tokens-per-minute quotas per (API key, model),
// as token buckets that hold one minute's worth and refill continuously, so
// a burst depletes them and they recover at the configured rate.
class QuotaLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    // The state after this request (what x-ratelimit-* headers report).
    int64_t limit_requests = 0;  // 0 when there is no request quota
    int64_t remaining_requests = 0;
    double reset_requests_seconds = 0;  // until the bucket is full again
    int64_t limit_tokens = 0;           // 0 when there is no token quota
    int64_t remaining_tokens = 0;
    double reset_tokens_seconds = 0;
    double retry_after_seconds = 0;  // when refused: until it would pass
  };

  // Takes one request and `tokens` tokens, or refuses and takes nothing.
  Decision Admit(std::string_view api_key, std::string_view model,
                 int64_t tokens, int64_t requests_per_minute,
                 int64_t tokens_per_minute, Clock::time_point now);
  void Clear();

 private:
  struct Bucket {
    double requests = 0;
    double tokens = 0;
    int64_t requests_limit = 0;
    int64_t tokens_limit = 0;
    Clock::time_point updated;
  };
  // Client-chosen keys must not grow the table without bound.
  static constexpr size_t kMaxBuckets = 100000;

  // The bucket of `key` (made full when new or when its quota changed),
  // refilled up to `now`. Call with mutex_ held.
  Bucket& RefilledBucket(std::string key, int64_t requests_per_minute,
                         int64_t tokens_per_minute, Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_QUOTA_H_
