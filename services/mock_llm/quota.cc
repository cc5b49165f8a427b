#include "mock_llm/quota.h"

#include <algorithm>
#include <cmath>

namespace loadgate::services::mock_llm {
namespace {

// Brings a bucket level up to date at `per_minute` refill.
double Refill(double level, int64_t per_minute, double elapsed_seconds) {
  return std::min<double>(per_minute,
                          level + elapsed_seconds * per_minute / 60.0);
}

double SecondsToFill(double level, double target, int64_t per_minute) {
  if (per_minute <= 0 || level >= target) return 0;
  return (target - level) * 60.0 / per_minute;
}

}  // namespace

QuotaLimiter::Decision QuotaLimiter::Admit(std::string_view api_key,
                                           std::string_view model,
                                           int64_t tokens,
                                           int64_t requests_per_minute,
                                           int64_t tokens_per_minute,
                                           Clock::time_point now) {
  Decision decision;
  if (requests_per_minute <= 0 && tokens_per_minute <= 0) return decision;

  std::string key;
  key.reserve(api_key.size() + model.size() + 1);
  key.append(api_key).push_back('\n');
  key.append(model);

  std::lock_guard<std::mutex> lock(mutex_);
  Bucket& bucket = RefilledBucket(std::move(key), requests_per_minute,
                                  tokens_per_minute, now);

  // A request larger than the whole minute's budget could never pass;
  // it is charged the full budget instead.
  const double token_cost =
      static_cast<double>(std::min(tokens, tokens_per_minute));
  const bool requests_ok = requests_per_minute <= 0 || bucket.requests >= 1;
  const bool tokens_ok = tokens_per_minute <= 0 || bucket.tokens >= token_cost;
  decision.allowed = requests_ok && tokens_ok;
  if (decision.allowed) {
    if (requests_per_minute > 0) bucket.requests -= 1;
    if (tokens_per_minute > 0) bucket.tokens -= token_cost;
  } else {
    decision.retry_after_seconds = std::max(
        requests_ok ? 0
                    : SecondsToFill(bucket.requests, 1, requests_per_minute),
        tokens_ok
            ? 0
            : SecondsToFill(bucket.tokens, token_cost, tokens_per_minute));
  }
  decision.limit_requests = requests_per_minute;
  decision.remaining_requests =
      static_cast<int64_t>(std::floor(std::max(0.0, bucket.requests)));
  decision.reset_requests_seconds =
      SecondsToFill(bucket.requests, static_cast<double>(requests_per_minute),
                    requests_per_minute);
  decision.limit_tokens = tokens_per_minute;
  decision.remaining_tokens =
      static_cast<int64_t>(std::floor(std::max(0.0, bucket.tokens)));
  decision.reset_tokens_seconds = SecondsToFill(
      bucket.tokens, static_cast<double>(tokens_per_minute), tokens_per_minute);
  return decision;
}

QuotaLimiter::Bucket& QuotaLimiter::RefilledBucket(std::string key,
                                                   int64_t requests_per_minute,
                                                   int64_t tokens_per_minute,
                                                   Clock::time_point now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) buckets_.clear();
    it = buckets_.emplace(std::move(key), Bucket{}).first;
    it->second.updated = now;
    it->second.requests = static_cast<double>(requests_per_minute);
    it->second.tokens = static_cast<double>(tokens_per_minute);
  }
  Bucket& bucket = it->second;
  // A changed quota (admin API) starts from a full bucket of the new size.
  if (bucket.requests_limit != requests_per_minute ||
      bucket.tokens_limit != tokens_per_minute) {
    bucket.requests = static_cast<double>(requests_per_minute);
    bucket.tokens = static_cast<double>(tokens_per_minute);
    bucket.requests_limit = requests_per_minute;
    bucket.tokens_limit = tokens_per_minute;
    bucket.updated = now;
  }
  const double elapsed =
      std::chrono::duration<double>(now - bucket.updated).count();
  bucket.updated = now;
  if (requests_per_minute > 0)
    bucket.requests = Refill(bucket.requests, requests_per_minute, elapsed);
  if (tokens_per_minute > 0)
    bucket.tokens = Refill(bucket.tokens, tokens_per_minute, elapsed);
  return bucket;
}

void QuotaLimiter::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  buckets_.clear();
}

}  // namespace loadgate::services::mock_llm
