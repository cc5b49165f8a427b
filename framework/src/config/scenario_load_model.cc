// A scenario file's `load`: an open model (a rate, or stages of rates) or a
// closed one (users, with think time and iterations), or a preset's model
// when the file gives none.
#include "config/scenario_load_model.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace loadgate::config {
namespace {

// A think time distribution and the fields it takes.
struct ThinkDistribution {
  std::string name;
  std::vector<std::string_view> required, optional;
};

// The distribution `field` names, after refusing fields it does not use and
// requiring the ones it needs.
const ThinkDistribution& ChooseDistribution(const Field& field) {
  static const std::vector<ThinkDistribution> kDistributions = {
      {"constant", {"value"}, {}},
      {"uniform", {"min", "max"}, {}},
      {"gaussian", {"mean", "stddev"}, {"min", "max"}},
      {"exponential", {"mean"}, {"max"}},
  };
  std::vector<std::string> names;
  for (const ThinkDistribution& distribution : kDistributions) {
    names.push_back(distribution.name);
  }
  const ThinkDistribution& distribution =
      kDistributions[field.Require("distribution").Choice(names)];
  for (const auto& [key, value] : field.Members()) {
    if (key == "distribution") continue;
    const auto& required = distribution.required;
    const auto& optional = distribution.optional;
    if (std::find(required.begin(), required.end(), key) == required.end() &&
        std::find(optional.begin(), optional.end(), key) == optional.end()) {
      value.Fail("not used by the " + distribution.name + " distribution");
    }
  }
  for (std::string_view key : distribution.required) field.Require(key);
  return distribution;
}

}  // namespace

ThinkTime ParseThinkTime(const Field& field) {
  if (field.json().is_string()) {
    return ThinkTime::Constant(field.Duration(/*allow_zero=*/true));
  }
  field.ExpectObject({"distribution", "value", "min", "max", "mean", "stddev"});
  const ThinkDistribution& distribution = ChooseDistribution(field);
  auto duration = [&](std::string_view key) {
    auto value = field.Get(key);
    if (!value) return std::chrono::nanoseconds{0};
    return value->Duration(/*allow_zero=*/true);
  };
  ThinkTime think;
  if (distribution.name == "constant") {
    think = ThinkTime::Constant(duration("value"));
  } else if (distribution.name == "uniform") {
    think = ThinkTime::Uniform(duration("min"), duration("max"));
    if (think.min > think.max) field.Fail("expected min <= max");
  } else if (distribution.name == "gaussian") {
    // Without bounds the tails are cut at 0 and mean + 4 stddev, which
    // keeps 99.997 % of the distribution and no absurd pauses.
    const auto mean = duration("mean"), stddev = duration("stddev");
    // Saturated: mean + 4 stddev of two long durations overflows int64.
    constexpr auto kLongest = std::chrono::nanoseconds::max();
    const auto max = field.Has("max")                 ? duration("max")
                     : stddev > (kLongest - mean) / 4 ? kLongest
                                                      : mean + 4 * stddev;
    think = ThinkTime::Gaussian(mean, stddev, duration("min"), max);
    if (think.min > think.max) field.Fail("expected min <= max");
  } else {
    think = ThinkTime::Exponential(duration("mean"), duration("max"));
  }
  return think;
}

namespace {

OpenModel ParseOpenModel(const Field& load) {
  OpenModel model;
  std::optional<Field> stages = load.Get("stages");
  if (auto rate = load.Get("rate")) {
    // A ramp may start from zero; a constant rate may not be zero.
    model.rate = stages ? rate->NonNegativeNumber() : rate->PositiveNumber();
  }
  if (stages) {
    for (const Field& item : stages->Items()) {
      item.ExpectObject({"duration", "target"});
      model.stages.push_back({item.Require("duration").Duration(),
                              item.Require("target").NonNegativeNumber()});
    }
  }
  if (auto arrivals = load.Get("arrivals")) {
    model.arrivals = arrivals->Choice({"constant", "poisson"}) == 0
                         ? OpenModel::Arrivals::kConstant
                         : OpenModel::Arrivals::kPoisson;
  }
  if (auto cap = load.Get("max_in_flight")) {
    model.max_in_flight = static_cast<int>(cap->Integer(0, kMaxInt));
  }
  return model;
}

ClosedModel ParseClosedModel(const Field& load) {
  ClosedModel model;
  model.users = static_cast<int>(load.Require("users").Integer(1, kMaxInt));
  if (auto spawn_rate = load.Get("spawn_rate")) {
    model.spawn_rate = spawn_rate->PositiveNumber();
  }
  if (auto think = load.Get("think_time")) model.think = ParseThinkTime(*think);
  if (auto iterations = load.Get("iterations")) {
    model.iterations_per_user = iterations->Integer(0, kMaxInt64);
  }
  return model;
}

}  // namespace

LoadModel ParseLoadModel(const Field& root,
                         const std::optional<Preset>& preset) {
  std::optional<Field> load = root.Get("load");
  if (!load) {
    if (!preset) root.Fail("missing required field \"load\"");
    return preset->Model();
  }
  load->ExpectObject({"rate", "stages", "arrivals", "max_in_flight", "users",
                      "spawn_rate", "think_time", "iterations"});
  const bool open = load->Has("rate") || load->Has("stages");
  const bool closed = load->Has("users");
  if (open == closed) {
    load->Fail(open ? "expected rate/stages (an open model) or users (a "
                      "closed model), not both"
                    : "expected rate (an open model) or users (a closed "
                      "model)");
  }
  if (open) {
    for (std::string_view key : {"spawn_rate", "think_time", "iterations"}) {
      if (load->Has(key)) {
        load->Fail(std::string(key) +
                   " applies to users (a closed model), "
                   "not to rate");
      }
    }
    return ParseOpenModel(*load);
  }
  for (std::string_view key : {"arrivals", "max_in_flight"}) {
    if (load->Has(key)) {
      load->Fail(std::string(key) +
                 " applies to rate (an open model), "
                 "not to users");
    }
  }
  return ParseClosedModel(*load);
}

}  // namespace loadgate::config
