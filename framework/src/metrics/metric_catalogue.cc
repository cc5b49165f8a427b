#include "metrics/metric_catalogue.h"

#include <span>
#include <string_view>

#include "metrics/report_units.h"

namespace loadgate {
namespace {

using report_internal::kNanosPerMilli;
// tokens_per_s histograms hold milli-tokens/s, for resolution.
constexpr double kMilliTokensPerToken = 1e3;

constexpr MetricDefinition Distribution(std::string_view name,
                                        std::string_view label,
                                        std::string_view summary_key,
                                        std::string_view sample_noun,
                                        Histogram TagStats::*histogram,
                                        std::string_view description) {
  return {.name = name,
          .label = label,
          .kind = MetricKind::kDistribution,
          .unit = MetricUnit::kMilliseconds,
          .higher_is_better = false,
          .summary_key = summary_key,
          .sample_noun = sample_noun,
          .histogram = histogram,
          .histogram_scale = kNanosPerMilli,
          .figure = nullptr,
          .description = description};
}

constexpr MetricDefinition Figure(std::string_view name, std::string_view label,
                                  MetricUnit unit, bool higher_is_better,
                                  double Figures::*figure,
                                  std::string_view description) {
  return {.name = name,
          .label = label,
          .kind = MetricKind::kFigure,
          .unit = unit,
          .higher_is_better = higher_is_better,
          .summary_key = name,
          .sample_noun = "requests",
          .histogram = nullptr,
          .histogram_scale = 1,
          .figure = figure,
          .description = description};
}

constexpr MetricDefinition kCatalogue[] = {
    Distribution("latency", "latency", "latency_ms", "requests",
                 &TagStats::latency,
                 "from the intended send time to the last byte (queueing "
                 "included)"),
    Distribution("service_time", "service time", "service_time_ms", "requests",
                 &TagStats::service_time,
                 "from the actual send to the last byte"),
    Distribution("send_lag", "send lag", "send_lag_ms", "requests",
                 &TagStats::send_lag,
                 "intended to actual send time (the generator's health)"),
    Distribution("ttfb", "TTFB", "ttfb_ms", "responses", &TagStats::ttfb,
                 "time to the first byte of the response"),
    Distribution("first_chunk", "first chunk", "first_chunk_ms", "streams",
                 &TagStats::first_chunk, "streams: time to the first event"),
    Distribution("ttft", "TTFT", "ttft_ms", "streams", &TagStats::ttft,
                 "streams: time to the first event with content"),
    Distribution("chunk_gap", "inter-chunk latency", "itl_chunk_ms",
                 "chunk gaps", &TagStats::chunk_gap,
                 "streams: gap between two content events"),
    Distribution("token_gap", "inter-token latency", "itl_token_ms", "tokens",
                 &TagStats::token_gap,
                 "streams: a chunk's gap spread over the tokens it carries"),
    Distribution("tpot", "TPOT", "tpot_ms", "streams", &TagStats::tpot,
                 "streams: time per output token after the first"),
    {.name = "tokens_per_s",
     .label = "output tokens/s per request",
     .kind = MetricKind::kDistribution,
     .unit = MetricUnit::kTokensPerSecond,
     .higher_is_better = true,
     .summary_key = "request_tokens_per_s",
     .sample_noun = "streams",
     .histogram = &TagStats::tokens_per_s,
     .histogram_scale = kMilliTokensPerToken,
     .figure = nullptr,
     .description = "streams: one request's output tokens per second"},
    Distribution("latency_per_token", "latency per output token",
                 "latency_per_token_ms", "answers",
                 &TagStats::latency_per_token,
                 "end-to-end latency / output tokens, per answered request "
                 "that reports tokens"),
    Figure("error_rate", "error rate", MetricUnit::kFraction, false,
           &Figures::error_rate, "errors / requests"),
    Figure("achieved_rps", "achieved rate", MetricUnit::kRequestsPerSecond,
           true, &Figures::achieved_rps, "requests per second completed"),
    Figure("goodput_rps", "goodput", MetricUnit::kRequestsPerSecond, true,
           &Figures::goodput_rps,
           "requests per second that met every per-request objective"),
    Figure("slo_attainment", "SLO attainment", MetricUnit::kFraction, true,
           &Figures::slo_attainment,
           "share of requests that met every per-request objective"),
    Figure("input_tokens_per_s", "input tokens/s", MetricUnit::kTokensPerSecond,
           true, &Figures::input_tokens_per_s,
           "input (prompt) tokens per second over the run"),
    Figure("output_tokens_per_s", "output tokens/s",
           MetricUnit::kTokensPerSecond, true, &Figures::output_tokens_per_s,
           "output tokens per second over the run"),
    Figure("estimated_cost_usd", "estimated cost", MetricUnit::kUsd, false,
           &Figures::estimated_cost_usd,
           "what the tokens cost at the run's `prices`"),
};

}  // namespace

std::span<const MetricDefinition> MetricCatalogue() { return kCatalogue; }

const MetricDefinition* FindMetric(std::string_view name) {
  for (const MetricDefinition& metric : kCatalogue) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

}  // namespace loadgate
