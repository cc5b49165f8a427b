#include "config/slo_syntax.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/document.h"
#include "http/text.h"
#include "loadgate/config.h"
#include "loadgate/duration.h"
#include "metrics/json_document.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"

namespace loadgate {
namespace config {
namespace {

// What a metric's threshold is written in: a time with a unit ("250ms"), a
// percentage or fraction, or a plain number (req/s, tokens/s, USD).
enum class ThresholdForm { kTime, kFraction, kPlain };

ThresholdForm FormOf(std::string_view metric) {
  if (metric.starts_with(kCustomMetricPrefix)) return ThresholdForm::kTime;
  const MetricDefinition* known = FindMetric(metric);
  if (known == nullptr) return ThresholdForm::kPlain;
  switch (known->unit) {
    case MetricUnit::kMilliseconds:
      return ThresholdForm::kTime;
    case MetricUnit::kFraction:
      return ThresholdForm::kFraction;
    default:
      return ThresholdForm::kPlain;
  }
}

}  // namespace

void ValidateMetricName(std::string_view metric) {
  if (IsKnownMetric(metric)) return;
  std::vector<std::string> names;
  for (const MetricDefinition& known : MetricCatalogue()) {
    names.emplace_back(known.name);
  }
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
  if (metric.starts_with(kCustomMetricPrefix)) return true;
  const MetricDefinition* known = FindMetric(metric);
  return known != nullptr && known->kind == MetricKind::kDistribution;
}

double ParseThreshold(std::string_view metric, std::string_view text) {
  text = http::Trim(text);
  switch (FormOf(metric)) {
    case ThresholdForm::kTime: {
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
    case ThresholdForm::kFraction: {
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
    case ThresholdForm::kPlain:
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

[[noreturn]] void Expected(const std::string& expectation) {
  throw std::invalid_argument(expectation);
}

constexpr std::string_view kForm =
    "expected <metric> <op> <threshold>, e.g. \"p95(latency) < 3s\" or "
    "\"error_rate < 1%\"";

// The operator is the first '<' or '>' outside a {tag}; npos when none.
size_t FindOperator(std::string_view text) {
  int brace_depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') ++brace_depth;
    if (text[i] == '}') --brace_depth;
    if (brace_depth == 0 && (text[i] == '<' || text[i] == '>')) return i;
  }
  return std::string_view::npos;
}

// pNN(metric{tag}) or metric{tag}: the objective's metric, percentile and
// tag.
void ParseSubject(std::string_view subject, Objective& objective) {
  if (const size_t open = subject.find('('); open != std::string_view::npos &&
                                             subject.back() == ')' &&
                                             subject.find('{') > open) {
    const std::string_view function = subject.substr(0, open);
    objective.percentile = PercentileFromFunction(function);
    if (objective.percentile == 0) {
      Expected(
          "expected a percentile such as p95, p99.9, median or max, got \"" +
          std::string(function) + "\"");
    }
    subject = http::Trim(subject.substr(open + 1, subject.size() - open - 2));
  }
  if (const size_t open = subject.find('{'); open != std::string_view::npos) {
    if (subject.back() != '}') Expected("expected the tag to end with '}'");
    std::string_view tag =
        http::Trim(subject.substr(open + 1, subject.size() - open - 2));
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag.empty()) Expected("expected a request name inside {}");
    objective.tag = std::string(tag);
    subject = http::Trim(subject.substr(0, open));
  }
  objective.metric = std::string(subject);
}

// The metric must exist and take a percentile exactly when it is a
// distribution; the threshold is read in the metric's unit.
void ParseBound(std::string_view threshold, Objective& objective) {
  ValidateMetricName(objective.metric);
  const bool distribution = TakesPercentile(objective.metric);
  if (distribution && objective.percentile == 0) {
    Expected(objective.metric + " needs a percentile, e.g. p95(" +
             objective.metric + ")");
  }
  if (!distribution && objective.percentile != 0) {
    Expected(objective.metric + " is a run figure and takes no percentile");
  }
  objective.threshold = ParseThreshold(objective.metric, threshold);
}

Objective ParseObjectiveText(std::string_view text) {
  // The objective is written into every report, which must stay text.
  if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
    Expected("byte " + std::to_string(*bad + 1) + " is not valid UTF-8");
  }
  const size_t op_position = FindOperator(text);
  if (op_position == std::string_view::npos) Expected(std::string(kForm));
  Objective objective;
  const bool or_equal =
      op_position + 1 < text.size() && text[op_position + 1] == '=';
  if (text[op_position] == '<') {
    objective.op = or_equal ? Objective::Op::kLe : Objective::Op::kLt;
  } else {
    objective.op = or_equal ? Objective::Op::kGe : Objective::Op::kGt;
  }
  const std::string_view subject = http::Trim(text.substr(0, op_position));
  const std::string_view threshold =
      http::Trim(text.substr(op_position + (or_equal ? 2 : 1)));
  if (subject.empty() || threshold.empty()) Expected(std::string(kForm));
  ParseSubject(subject, objective);
  ParseBound(threshold, objective);
  return objective;
}

}  // namespace
}  // namespace config

Objective ParseObjective(std::string_view text) {
  try {
    return config::ParseObjectiveText(text);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument("bad SLO \"" + EscapeUnprintable(text) +
                                "\": " + error.what());
  }
}

}  // namespace loadgate
