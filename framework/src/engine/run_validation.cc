#include "engine/run_validation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <variant>

namespace loadgate::engine {
namespace {

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

void ValidateThink(const ThinkTime& think) {
  using Kind = ThinkTime::Kind;
  auto non_negative = [](std::chrono::nanoseconds value, const char* field) {
    if (value.count() < 0) Invalid(field, "expected a duration >= 0");
  };
  switch (think.kind) {
    case Kind::kNone:
      break;
    case Kind::kConstant:
      non_negative(think.value, "load.think.value");
      break;
    case Kind::kUniform:
      non_negative(think.min, "load.think.min");
      if (think.max < think.min) Invalid("load.think.max", "expected >= min");
      break;
    case Kind::kGaussian:
      non_negative(think.mean, "load.think.mean");
      non_negative(think.stddev, "load.think.stddev");
      non_negative(think.min, "load.think.min");
      if (think.max.count() > 0 && think.max < think.min) {
        Invalid("load.think.max", "expected >= min");
      }
      break;
    case Kind::kExponential:
      non_negative(think.mean, "load.think.mean");
      non_negative(think.max, "load.think.max");
      break;
  }
}

void ValidateLimits(const SafetyLimits& limits) {
  if (!(limits.max_error_rate >= 0 && limits.max_error_rate <= 1)) {
    Invalid("options.limits.max_error_rate", "expected a fraction in [0, 1]");
  }
  if (limits.max_error_rate > 0 && limits.error_window.count() <= 0) {
    Invalid("options.limits.error_window", "expected a positive duration");
  }
  if (limits.max_duration.count() < 0) {
    Invalid("options.limits.max_duration", "expected a duration >= 0");
  }
  if (!(limits.max_cost_usd >= 0)) {
    Invalid("options.limits.max_cost_usd", "expected a number >= 0");
  }
}

void ValidateOptions(const RunOptions& options) {
  if (options.duration.count() <= 0) {
    Invalid("options.duration", "expected a positive duration");
  }
  if (options.threads < 0) Invalid("options.threads", "expected >= 0");
  if (options.connections < 0) Invalid("options.connections", "expected >= 0");
  if (options.graceful_stop.count() < 0) {
    Invalid("options.graceful_stop", "expected a duration >= 0");
  }
  ValidateLimits(options.limits);
  if (!(options.prices.input_per_million >= 0) ||
      !(options.prices.output_per_million >= 0)) {
    Invalid("options.prices", "expected prices >= 0");
  }
}

void ValidateOpen(const OpenModel& open) {
  if (!std::isfinite(open.rate) || open.rate < 0 ||
      (open.stages.empty() && open.rate <= 0)) {
    Invalid("load.rate", "expected a positive number");
  }
  if (open.rate > kMaxRate) {
    Invalid("load.rate", "expected at most 10000000 req/s per process");
  }
  double peak = open.rate;
  for (size_t i = 0; i < open.stages.size(); ++i) {
    const Stage& stage = open.stages[i];
    const std::string field = "load.stages[" + std::to_string(i) + "]";
    if (stage.duration.count() <= 0) {
      Invalid(field + ".duration", "expected a positive duration");
    }
    if (!std::isfinite(stage.target_rps) || stage.target_rps < 0) {
      Invalid(field + ".target_rps", "expected a number >= 0");
    }
    if (stage.target_rps > kMaxRate) {
      Invalid(field + ".target_rps",
              "expected at most 10000000 req/s per process");
    }
    peak = std::max(peak, stage.target_rps);
  }
  if (peak <= 0) Invalid("load.stages", "expected a positive rate somewhere");
  if (open.max_in_flight < 0) Invalid("load.max_in_flight", "expected >= 0");
}

void ValidateClosed(const ClosedModel& closed, const RunOptions& options) {
  if (closed.users < 1 && !FullSpeed(closed, options)) {
    Invalid("load.users", "expected a positive number");
  }
  if (!std::isfinite(closed.spawn_rate) || closed.spawn_rate < 0) {
    Invalid("load.spawn_rate", "expected a number >= 0");
  }
  if (closed.iterations_per_user < 0) {
    Invalid("load.iterations_per_user", "expected >= 0");
  }
  ValidateThink(closed.think);
}

}  // namespace

bool FullSpeed(const ClosedModel& closed, const RunOptions& options) {
  return closed.think.kind == ThinkTime::Kind::kNone && options.connections > 0;
}

void ValidateRun(const LoadModel& model, const RunOptions& options) {
  ValidateOptions(options);
  if (const auto* open = std::get_if<OpenModel>(&model)) {
    ValidateOpen(*open);
  } else {
    ValidateClosed(std::get<ClosedModel>(model), options);
  }
}

}  // namespace loadgate::engine
