// A scenario file's run options: duration, request and thread counts,
// graceful stop, seed, safety limits and token prices.
#include "config/scenario_run_options.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace loadgate::config {
namespace {

// How long the run lasts: `duration`, else the sum of the stages, else the
// preset's duration (its file's run_time); nullopt keeps the engine's default.
std::optional<std::chrono::nanoseconds> RunDuration(
    const Field& root, const LoadModel& model,
    const std::optional<Preset>& preset) {
  if (auto duration = root.Get("duration")) return duration->Duration();
  if (const auto* open = std::get_if<OpenModel>(&model);
      open && !open->stages.empty()) {
    std::chrono::nanoseconds total{0};
    for (const Stage& stage : open->stages) {
      if (stage.duration > std::chrono::nanoseconds::max() - total) {
        root.Require("load").Require("stages").Fail(
            "the stages add up to more than 64-bit nanoseconds (292 "
            "years)");
      }
      total += stage.duration;
    }
    return total;
  }
  if (preset && preset->duration.count() > 0) return preset->duration;
  return std::nullopt;
}

void ParseLimits(const Field& field, SafetyLimits* limits) {
  field.ExpectObject({"max_error_rate", "error_window", "min_requests",
                      "max_duration", "max_cost_usd"});
  if (auto value = field.Get("max_error_rate")) {
    limits->max_error_rate = value->Fraction();
  }
  if (auto value = field.Get("error_window")) {
    limits->error_window = value->Duration();
  }
  if (auto value = field.Get("min_requests")) {
    limits->min_requests_in_window =
        static_cast<uint64_t>(value->Integer(1, kMaxInt64));
  }
  if (auto value = field.Get("max_duration")) {
    limits->max_duration = value->Duration();
  }
  if (auto value = field.Get("max_cost_usd")) {
    limits->max_cost_usd = value->PositiveNumber();
  }
}

void ParsePrices(const Field& field, TokenPrices* prices) {
  field.ExpectObject({"input_per_million", "output_per_million"});
  if (auto value = field.Get("input_per_million")) {
    prices->input_per_million = value->NonNegativeNumber();
  }
  if (auto value = field.Get("output_per_million")) {
    prices->output_per_million = value->NonNegativeNumber();
  }
}

}  // namespace

RunOptions ParseRunOptions(const Field& root, const LoadModel& model,
                           const std::optional<Preset>& preset) {
  RunOptions options;
  if (auto duration = RunDuration(root, model, preset)) {
    options.duration = *duration;
  }
  if (auto field = root.Get("max_requests")) {
    options.max_requests = static_cast<uint64_t>(field->Integer(1, kMaxInt64));
  }
  if (auto field = root.Get("threads")) {
    options.threads = static_cast<int>(field->Integer(0, 1024));
  }
  if (auto field = root.Get("connections")) {
    options.connections = static_cast<int>(field->Integer(1, kMaxInt));
  }
  if (auto field = root.Get("graceful_stop")) {
    options.graceful_stop = field->Duration(/*allow_zero=*/true);
  }
  if (auto field = root.Get("seed")) {
    options.seed = static_cast<uint64_t>(field->Integer(0, kMaxInt64));
  }
  if (auto field = root.Get("limits")) ParseLimits(*field, &options.limits);
  if (auto field = root.Get("prices")) ParsePrices(*field, &options.prices);
  if (options.limits.max_cost_usd > 0 && !HasPrices(options.prices)) {
    root.Require("limits")
        .Require("max_cost_usd")
        .Fail(std::string(kNeedsPrices));
  }
  return options;
}

bool HasPrices(const TokenPrices& prices) {
  return prices.input_per_million > 0 || prices.output_per_million > 0;
}

}  // namespace loadgate::config
