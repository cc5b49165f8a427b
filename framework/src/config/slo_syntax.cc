#include "config/slo_syntax.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/document.h"
#include "loadgate/config.h"
#include "loadgate/duration.h"
#include "metrics/json_document.h"

namespace loadgate {
namespace config {
namespace {

enum class Unit { kTime, kFraction, kPlain };

struct MetricKind {
  std::string_view name;
  bool histogram;
  Unit unit;
};

// The metrics of objective.h, with what their thresholds are written in.
constexpr std::array<MetricKind, 16> kMetrics = {{
    {"latency", true, Unit::kTime},
    {"service_time", true, Unit::kTime},
    {"ttfb", true, Unit::kTime},
    {"send_lag", true, Unit::kTime},
    {"first_chunk", true, Unit::kTime},
    {"ttft", true, Unit::kTime},
    {"chunk_gap", true, Unit::kTime},
    {"token_gap", true, Unit::kTime},
    {"tpot", true, Unit::kTime},
    {"tokens_per_s", true, Unit::kPlain},
    {"error_rate", false, Unit::kFraction},
    {"slo_attainment", false, Unit::kFraction},
    {"achieved_rps", false, Unit::kPlain},
    {"goodput_rps", false, Unit::kPlain},
    {"output_tokens_per_s", false, Unit::kPlain},
    {"estimated_cost_usd", false, Unit::kPlain},
}};
constexpr std::string_view kCustomPrefix = "custom:";

MetricKind KindOf(std::string_view metric) {
  if (metric.starts_with(kCustomPrefix)) return {metric, true, Unit::kTime};
  for (const MetricKind& kind : kMetrics) {
    if (kind.name == metric) return kind;
  }
  // Known to objective.h but newer than this table: a plain number.
  return {metric, false, Unit::kPlain};
}

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

void ValidateMetricName(std::string_view metric) {
  if (metric.starts_with(kCustomPrefix) &&
      metric.size() > kCustomPrefix.size()) {
    return;
  }
  if (IsKnownMetric(metric)) return;
  std::vector<std::string> names;
  for (const MetricKind& kind : kMetrics) names.emplace_back(kind.name);
  std::string message = "unknown metric \"" + std::string(metric) + "\"";
  const std::string suggestion = ClosestMatch(metric, names);
  if (!suggestion.empty()) {
    message += " (did you mean \"" + suggestion + "\"?)";
  } else {
    message += " (custom metrics are written custom:<name>)";
  }
  throw std::invalid_argument(message);
}

bool TakesPercentile(std::string_view metric) {
  return KindOf(metric).histogram;
}

double ParseThreshold(std::string_view metric, std::string_view text) {
  text = Trim(text);
  switch (KindOf(metric).unit) {
    case Unit::kTime: {
      const std::string expectation =
          "expected a time with a unit such as \"3s\" or \"250ms\" for " +
          std::string(metric) + ", got \"" + std::string(text) + "\"";
      // A bare number is ambiguous (ms? s?), so it is refused.
      if (ParseNumberText(text)) throw std::invalid_argument(expectation);
      try {
        return static_cast<double>(ParseDuration(text).count()) / 1e6;
      } catch (const std::invalid_argument&) {
        throw std::invalid_argument(expectation);
      }
    }
    case Unit::kFraction: {
      std::optional<double> fraction;
      if (!text.empty() && text.back() == '%') {
        if (std::optional<double> percent =
                ParseNumberText(text.substr(0, text.size() - 1))) {
          fraction = *percent / 100;
        }
      } else {
        fraction = ParseNumberText(text);
      }
      if (!fraction || *fraction < 0 || *fraction > 1) {
        throw std::invalid_argument(
            "expected a percentage such as \"1%\" or a fraction in [0, 1] "
            "for " +
            std::string(metric) + ", got \"" + std::string(text) + "\"");
      }
      return *fraction;
    }
    case Unit::kPlain:
      break;
  }
  std::optional<double> value = ParseNumberText(text);
  if (!value) {
    throw std::invalid_argument("expected a number for " + std::string(metric) +
                                ", got \"" + std::string(text) + "\"");
  }
  return *value;
}

bool OpFromName(std::string_view name, Objective::Op* op) {
  static constexpr std::array<std::pair<std::string_view, Objective::Op>, 4>
      kOps = {{{"lt", Objective::Op::kLt},
               {"le", Objective::Op::kLe},
               {"gt", Objective::Op::kGt},
               {"ge", Objective::Op::kGe}}};
  for (const auto& [op_name, value] : kOps) {
    if (op_name == name) {
      *op = value;
      return true;
    }
  }
  return false;
}

namespace {

// "p95", "p99.9", "median", "max" -> percentile; 0 when not one of them.
double PercentileFromFunction(std::string_view function) {
  if (function == "median") return 50;
  if (function == "max") return 100;
  if (function.size() < 2 || function[0] != 'p') return 0;
  std::optional<double> percentile = ParseNumberText(function.substr(1));
  if (!percentile || *percentile <= 0 || *percentile > 100) return 0;
  return *percentile;
}

}  // namespace
}  // namespace config

Objective ParseObjective(std::string_view text) {
  const std::string quoted = "bad SLO \"" + EscapeUnprintable(text) + "\": ";
  const auto fail = [&](const std::string& expectation) {
    throw std::invalid_argument(quoted + expectation);
  };
  // The objective is written into every report, which must stay text.
  if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
    fail("byte " + std::to_string(*bad + 1) + " is not valid UTF-8");
  }
  constexpr std::string_view kForm =
      "expected <metric> <op> <threshold>, e.g. \"p95(latency) < 3s\" or "
      "\"error_rate < 1%\"";

  // The operator is the first '<' or '>' outside a {tag}.
  size_t op_position = std::string_view::npos;
  int brace_depth = 0;
  for (size_t i = 0; i < text.size() && op_position == std::string_view::npos;
       ++i) {
    if (text[i] == '{') ++brace_depth;
    if (text[i] == '}') --brace_depth;
    if (brace_depth == 0 && (text[i] == '<' || text[i] == '>')) {
      op_position = i;
    }
  }
  if (op_position == std::string_view::npos) fail(std::string(kForm));

  Objective objective;
  const bool or_equal =
      op_position + 1 < text.size() && text[op_position + 1] == '=';
  if (text[op_position] == '<') {
    objective.op = or_equal ? Objective::Op::kLe : Objective::Op::kLt;
  } else {
    objective.op = or_equal ? Objective::Op::kGe : Objective::Op::kGt;
  }
  std::string_view subject = config::Trim(text.substr(0, op_position));
  const std::string_view threshold =
      config::Trim(text.substr(op_position + (or_equal ? 2 : 1)));
  if (subject.empty() || threshold.empty()) fail(std::string(kForm));

  // pNN(metric{tag}) or metric{tag}.
  if (const size_t open = subject.find('('); open != std::string_view::npos &&
                                             subject.back() == ')' &&
                                             subject.find('{') > open) {
    const std::string_view function = subject.substr(0, open);
    objective.percentile = config::PercentileFromFunction(function);
    if (objective.percentile == 0) {
      fail("expected a percentile such as p95, p99.9, median or max, got \"" +
           std::string(function) + "\"");
    }
    subject = config::Trim(subject.substr(open + 1, subject.size() - open - 2));
  }
  if (const size_t open = subject.find('{'); open != std::string_view::npos) {
    if (subject.back() != '}') fail("expected the tag to end with '}'");
    std::string_view tag =
        config::Trim(subject.substr(open + 1, subject.size() - open - 2));
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag.empty()) fail("expected a request name inside {}");
    objective.tag = std::string(tag);
    subject = config::Trim(subject.substr(0, open));
  }
  objective.metric = std::string(subject);

  try {
    config::ValidateMetricName(objective.metric);
    const bool histogram = config::TakesPercentile(objective.metric);
    if (histogram && objective.percentile == 0) {
      fail(objective.metric + " needs a percentile, e.g. p95(" +
           objective.metric + ")");
    }
    if (!histogram && objective.percentile != 0) {
      fail(objective.metric + " is a run figure and takes no percentile");
    }
    objective.threshold = config::ParseThreshold(objective.metric, threshold);
  } catch (const std::invalid_argument& error) {
    if (std::string_view(error.what()).starts_with(quoted)) throw;
    fail(error.what());
  }
  return objective;
}

}  // namespace loadgate
