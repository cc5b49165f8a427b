#include "mock_llm/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/flags.h"

namespace loadgate::services::mock_llm {
namespace {

constexpr double kMaxTokens = 1 << 20;
// Delays are capped at an hour (as the override headers are): a capacity
// model pushed far past its capacity must not overflow the timers.
constexpr double kMaxDelayMs = 3.6e6;
constexpr double kMaxSlowdown = 1e9;

}  // namespace

std::string Plan::Describe() const {
  char text[256];
  std::snprintf(text, sizeof(text),
                "ttft_ms=%.3f;itl_ms=%.3f;tokens=%d;tokens_per_chunk=%d;"
                "chunks=%d;headers_ms=%.3f;slowdown=%.3f;fault=%.*s",
                ttft_ms, itl_ms, output_tokens, tokens_per_chunk, chunks,
                headers_ms, slowdown, static_cast<int>(FaultName(fault).size()),
                FaultName(fault).data());
  return text;
}

namespace {

// The fault of a plan whose chunks are known, and where it strikes. Draws
// from `timing` after the TTFT, so a seed gives the same plan as before.
void ChooseFault(const Config& config, const RequestOverrides& overrides,
                 Rng& timing, Plan* plan) {
  if (overrides.fault) {
    plan->fault = *overrides.fault;
  } else {
    // Independent draws in a fixed order; the first that fires wins.
    for (int i = 1; i <= kFaultKinds; ++i) {
      const double p = config.fault_probability[i - 1];
      if (p > 0 && timing.Uniform() < p) {
        plan->fault = static_cast<Fault>(i);
        break;
      }
    }
  }
  if (plan->fault == Fault::kSlowHeaders) {
    plan->headers_ms =
        std::min(overrides.slow_headers_ms ? *overrides.slow_headers_ms
                                           : config.slow_headers_ms,
                 kMaxDelayMs);
  }
  if (plan->fault == Fault::kDisconnect || plan->fault == Fault::kStreamError) {
    plan->fault_chunk =
        overrides.fault_after_chunks
            ? std::min(*overrides.fault_after_chunks, plan->chunks - 1)
            : static_cast<int>(config.fault_at_fraction * (plan->chunks - 1));
  }
}

}  // namespace

Plan MakePlan(const Config& config, const RequestOverrides& overrides,
              int64_t in_flight, int natural_tokens, int max_tokens,
              Rng& timing, Rng& content) {
  Plan plan;
  if (config.capacity > 0 && in_flight > config.capacity) {
    // Finite, so that a zero delay stays zero (0 x inf is NaN).
    plan.slowdown =
        std::min(std::pow(static_cast<double>(in_flight) / config.capacity,
                          config.capacity_exponent),
                 kMaxSlowdown);
  }
  const double ttft =
      overrides.ttft_ms ? *overrides.ttft_ms : config.ttft_ms.Sample(timing);
  const double itl =
      overrides.itl_ms ? *overrides.itl_ms : config.EffectiveItlMs();
  plan.ttft_ms = std::min(ttft * plan.slowdown, kMaxDelayMs);
  plan.itl_ms = std::min(itl * plan.slowdown, kMaxDelayMs);

  int tokens = natural_tokens;
  if (overrides.output_tokens) {
    tokens = natural_tokens >= 0
                 ? std::min(*overrides.output_tokens, natural_tokens)
                 : *overrides.output_tokens;
  } else if (tokens < 0) {
    // Bounded like the per-request override: a configured mean of 1e300
    // must not overflow the count (nor size the per-chunk log from it).
    tokens = static_cast<int>(std::lround(
        std::clamp(config.output_tokens.Sample(content), 0.0, kMaxTokens)));
  }
  if (max_tokens >= 0 && tokens > max_tokens) {
    tokens = max_tokens;
    plan.hit_limit = true;
  }
  plan.output_tokens = tokens;
  plan.tokens_per_chunk = std::max(1, config.tokens_per_chunk);
  plan.chunks =
      std::max(1, (tokens + plan.tokens_per_chunk - 1) / plan.tokens_per_chunk);

  ChooseFault(config, overrides, timing, &plan);
  return plan;
}

namespace {

Result<double> ReadMs(const char* value, const char* name) {
  const std::optional<double> parsed = ParseDouble(value);
  // Written so that NaN fails too (strtod accepts "nan").
  if (!parsed || !(*parsed >= 0 && *parsed <= 3.6e6))
    return Status::Error(std::string(name) +
                         " must be a number of milliseconds");
  return *parsed;
}

Result<int64_t> ReadCount(const char* value, const char* name, int64_t max) {
  const std::optional<int64_t> parsed = ParseInt64(value);
  if (!parsed || *parsed < 0 || *parsed > max) {
    return Status::Error(std::string(name) + " must be an integer in [0, " +
                         std::to_string(max) + "]");
  }
  return *parsed;
}

// The numeric headers, in the order they are checked.
Status ParseNumericOverrides(
    const std::function<const char*(const char*)>& header,
    RequestOverrides* overrides) {
  for (const auto& [name, target] :
       {std::pair{"x-mock-llm-ttft-ms", &overrides->ttft_ms},
        std::pair{"x-mock-llm-itl-ms", &overrides->itl_ms},
        std::pair{"x-mock-llm-slow-headers-ms", &overrides->slow_headers_ms}}) {
    const char* v = header(name);
    if (v == nullptr) continue;
    Result<double> ms = ReadMs(v, name);
    if (!ms.ok()) return ms.status();
    *target = *ms;
  }
  for (const auto& [name, target] :
       {std::pair{"x-mock-llm-tokens", &overrides->output_tokens},
        std::pair{"x-mock-llm-fault-after", &overrides->fault_after_chunks}}) {
    const char* v = header(name);
    if (v == nullptr) continue;
    Result<int64_t> count = ReadCount(v, name, 1 << 20);
    if (!count.ok()) return count.status();
    *target = static_cast<int>(*count);
  }
  if (const char* v = header("x-mock-llm-seed")) {
    Result<int64_t> seed = ReadCount(v, "x-mock-llm-seed", INT64_MAX);
    if (!seed.ok()) return seed.status();
    overrides->seed = static_cast<uint64_t>(*seed);
  }
  return Status::Ok();
}

}  // namespace

Status ParseOverrides(const std::function<const char*(const char*)>& header,
                      RequestOverrides* overrides) {
  if (Status numeric = ParseNumericOverrides(header, overrides); !numeric.ok())
    return numeric;
  if (const char* v = header("x-mock-llm-fault")) {
    overrides->fault = ParseFault(v);
    if (!overrides->fault) {
      return Status::Error(
          "x-mock-llm-fault must be one of none, 429, 500, 503, hang, "
          "disconnect, stream-error, slow-headers");
    }
  }
  if (const char* v = header("x-mock-llm-content")) {
    overrides->content = ParseContentMode(v);
    if (!overrides->content)
      return Status::Error(
          "x-mock-llm-content must be generate, echo or canned");
  }
  if (const char* v = header("x-mock-llm-sse-crlf")) {
    const std::string_view value(v);
    if (value != "0" && value != "1" && value != "true" && value != "false")
      return Status::Error("x-mock-llm-sse-crlf must be 0, 1, true or false");
    overrides->sse_crlf = value == "1" || value == "true";
  }
  return Status::Ok();
}

}  // namespace loadgate::services::mock_llm
