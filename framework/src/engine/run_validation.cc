#include "engine/run_validation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>

namespace loadgate::engine {
namespace {

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

}  // namespace

void ValidateThink(const ThinkTime& think, const std::string& field) {
  using Kind = ThinkTime::Kind;
  auto non_negative = [&](std::chrono::nanoseconds value, const char* name) {
    if (value.count() < 0) Invalid(field + name, "expected a duration >= 0");
  };
  switch (think.kind) {
    case Kind::kNone:
      break;
    case Kind::kConstant:
      non_negative(think.value, ".value");
      break;
    case Kind::kUniform:
      non_negative(think.min, ".min");
      if (think.max < think.min) Invalid(field + ".max", "expected >= min");
      break;
    case Kind::kGaussian:
      non_negative(think.mean, ".mean");
      non_negative(think.stddev, ".stddev");
      non_negative(think.min, ".min");
      if (think.max.count() > 0 && think.max < think.min) {
        Invalid(field + ".max", "expected >= min");
      }
      break;
    case Kind::kExponential:
      non_negative(think.mean, ".mean");
      non_negative(think.max, ".max");
      break;
  }
}

namespace {

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

// A shard's share of `count` items (users, connections, in-flight slots,
// data rows) must not be empty: a shard with nothing to do would report an
// empty run for its part of the test.
void ValidateSplit(int64_t count, Shard shard, const std::string& field,
                   const std::string& noun) {
  if (count > 0 && count < shard.count) {
    Invalid(field, std::to_string(count) + " " + noun +
                       " cannot be split over " + std::to_string(shard.count) +
                       " shards");
  }
}

void ValidateShard(Shard shard) {
  if (shard.count < 1) Invalid("options.shard", "expected a shard count >= 1");
  if (shard.index < 0 || shard.index >= shard.count) {
    Invalid("options.shard",
            "expected an index from 0 to " + std::to_string(shard.count - 1));
  }
}

void ValidateOpen(const OpenModel& open, Shard shard) {
  if (!std::isfinite(open.rate) || open.rate < 0 ||
      (open.stages.empty() && open.rate <= 0)) {
    Invalid("load.rate", "expected a positive number");
  }
  // The limit is per process, so a sharded test may ask for N times more.
  const double max_rate = kMaxRate * shard.count;
  if (open.rate > max_rate) {
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
    if (stage.target_rps > max_rate) {
      Invalid(field + ".target_rps",
              "expected at most 10000000 req/s per process");
    }
    peak = std::max(peak, stage.target_rps);
  }
  if (peak <= 0) Invalid("load.stages", "expected a positive rate somewhere");
  if (open.max_in_flight < 0) Invalid("load.max_in_flight", "expected >= 0");
  ValidateSplit(open.max_in_flight, shard, "load.max_in_flight",
                "in-flight slots");
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
  ValidateThink(closed.think, "load.think");
  if (FullSpeed(closed, options)) {
    ValidateSplit(options.connections, options.shard, "options.connections",
                  "connections");
  } else {
    ValidateSplit(closed.users, options.shard, "load.users", "users");
  }
}

}  // namespace

bool FullSpeed(const ClosedModel& closed, const RunOptions& options) {
  return closed.think.kind == ThinkTime::Kind::kNone && options.connections > 0;
}

void ValidateRun(const Scenario& scenario, const LoadModel& model,
                 const RunOptions& options) {
  ValidateOptions(options);
  ValidateShard(options.shard);
  if (const auto* open = std::get_if<OpenModel>(&model)) {
    ValidateOpen(*open, options.shard);
  } else {
    ValidateClosed(std::get<ClosedModel>(model), options);
  }
  ValidateSplit(static_cast<int64_t>(options.max_requests), options.shard,
                "options.max_requests", "requests");
  for (size_t d = 0; d < scenario.data.size(); ++d) {
    ValidateSplit(static_cast<int64_t>(scenario.data[d].rows.size()),
                  options.shard, "data[" + std::to_string(d) + "]", "rows");
  }
  // Shards replay disjoint conversations.
  for (size_t f = 0; f < scenario.flows.size(); ++f) {
    if (!scenario.flows[f].llm) continue;
    ValidateSplit(
        static_cast<int64_t>(scenario.flows[f].llm->conversations.size()),
        options.shard,
        "scenario.flows[" + std::to_string(f) + "].llm.conversations",
        "conversations");
  }
}

}  // namespace loadgate::engine
