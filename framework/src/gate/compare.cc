// The CI gate: each side's runs merged, every metric judged against its
// tolerance and the baseline's run-to-run spread, the verdict as Markdown.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "loadgate/duration.h"
#include "loadgate/format.h"
#include "loadgate/gate.h"
#include "metrics/metric_catalogue.h"
#include "metrics/observation.h"

namespace loadgate {
namespace {

// Run figures take no percentile; every other known metric, custom ones
// included, is a distribution.
bool IsRunFigure(std::string_view metric) {
  const MetricDefinition* known = FindMetric(metric);
  return known != nullptr && known->kind == MetricKind::kFigure;
}

bool IsFraction(std::string_view metric) {
  const MetricDefinition* known = FindMetric(metric);
  return known != nullptr && known->unit == MetricUnit::kFraction;
}

// Custom metrics are times too.
bool IsTime(std::string_view metric) {
  const MetricDefinition* known = FindMetric(metric);
  return known == nullptr || known->unit == MetricUnit::kMilliseconds;
}

// Rates, throughputs and attainment get worse when they drop.
bool LowerIsWorse(std::string_view metric) {
  const MetricDefinition* known = FindMetric(metric);
  return known != nullptr && known->higher_is_better;
}

std::string Signed(const std::string& text) {
  return text.starts_with("-") ? text : "+" + text;
}

// The signed difference current - baseline in the metric's unit, plus the
// relative change where it means something.
std::string DescribeChange(std::string_view metric, double baseline,
                           double current) {
  const double difference = current - baseline;
  if (IsFraction(metric))
    return Signed(FormatNumber(100 * difference, 2)) + " pt";
  std::string text = Signed(FormatMetricValue(metric, difference));
  if (baseline != 0) {
    text += " (" + Signed(FormatNumber(100 * difference / baseline, 1)) + " %)";
  }
  return text;
}

std::string Label(const GateMetric& metric, const std::string& tag) {
  std::string label = DescribeMetric(metric.metric, metric.percentile);
  if (!tag.empty()) label += " [tag " + tag + "]";
  return label;
}

// All runs of one side as one report: exact histogram merge, durations
// added so that rates are pooled over the side's total run time.
RunReport MergeRuns(const std::vector<RunReport>& runs) {
  RunReport merged = runs.front();
  for (size_t i = 1; i < runs.size(); ++i) {
    merged.metrics.Merge(runs[i].metrics);
    merged.info.actual_duration_ns += runs[i].info.actual_duration_ns;
    merged.info.planned_duration_ns += runs[i].info.planned_duration_ns;
  }
  return merged;
}

// max - min of the metric over the runs that have it; nullopt with fewer
// than two such runs.
std::optional<double> RunToRunRange(const std::vector<RunReport>& runs,
                                    const GateMetric& metric,
                                    const std::string& tag) {
  std::vector<double> values;
  for (const RunReport& run : runs) {
    const Observation observation =
        Observe(run, metric.metric, metric.percentile, tag);
    if (observation.found) values.push_back(observation.value);
  }
  if (values.size() < 2) return std::nullopt;
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return *high - *low;
}

std::string RowMessage(const GateRow& row) {
  const std::string_view metric = row.metric.metric;
  std::string message = Label(row.metric, row.tag) + ": " +
                        FormatMetricValue(metric, row.current) +
                        " vs baseline " +
                        FormatMetricValue(metric, row.baseline) + ": " +
                        DescribeChange(metric, row.baseline, row.current);
  const std::string spread =
      row.spread_measured
          ? "the run-to-run spread " + FormatMetricValue(metric, row.spread)
          : std::string();
  if (row.regressed) {
    message +=
        ", beyond the tolerance " + row.metric.tolerance.Describe(metric);
    if (row.spread_measured) message += " and " + spread;
  } else if (row.worsening > row.allowed) {
    message += ", beyond the tolerance " +
               row.metric.tolerance.Describe(metric) + " but within " + spread;
  } else {
    message +=
        ", within the tolerance " + row.metric.tolerance.Describe(metric);
  }
  return message;
}

void CompareOne(const std::vector<RunReport>& baseline_runs,
                const RunReport& baseline, const RunReport& current,
                const GateMetric& metric, const std::string& tag,
                uint64_t min_samples, GateResult& result) {
  const Observation before =
      Observe(baseline, metric.metric, metric.percentile, tag);
  const Observation after =
      Observe(current, metric.metric, metric.percentile, tag);
  if (!before.found || !after.found) {
    result.skipped.push_back(Label(metric, tag) + ": " +
                             (before.found ? after.problem + " in current"
                                           : before.problem + " in baseline"));
    return;
  }
  if (before.samples < min_samples || after.samples < min_samples) {
    result.skipped.push_back(
        Label(metric, tag) + ": too few samples to judge (" +
        std::to_string(before.samples) + " in baseline, " +
        std::to_string(after.samples) + " in current; at least " +
        std::to_string(min_samples) + " needed)");
    return;
  }
  GateRow row;
  row.metric = metric;
  row.tag = tag;
  row.baseline = before.value;
  row.current = after.value;
  row.worsening = LowerIsWorse(metric.metric) ? row.baseline - row.current
                                              : row.current - row.baseline;
  row.allowed = metric.tolerance.Allowed(row.baseline);
  // The baseline alone measures the noise: a current side's own range would
  // let one slow run excuse itself.
  if (const std::optional<double> range =
          RunToRunRange(baseline_runs, metric, tag)) {
    row.spread_measured = true;
    row.spread = *range;
  }
  row.regressed = row.worsening > row.allowed &&
                  (!row.spread_measured || row.worsening > row.spread);
  row.message = RowMessage(row);
  result.rows.push_back(std::move(row));
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Table cells and list items must not end the row early.
std::string MarkdownCell(std::string_view text) {
  std::string cell;
  cell.reserve(text.size());
  for (const char c : text) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

// "15%" (relative), "0.2pt" (fractions), "20ms" (time metrics) or a bare
// number, as a tolerance of `metric`. Throws std::invalid_argument naming
// `quoted`, the whole override.
Tolerance ParseAmount(std::string_view text, const std::string& metric,
                      bool relative_allowed, const std::string& quoted) {
  Tolerance tolerance;
  tolerance.kind = Tolerance::Kind::kAbsolute;
  double scale = 1;
  if (text.ends_with("%") && relative_allowed) {
    text.remove_suffix(1);
    tolerance.kind = Tolerance::Kind::kRelative;
    scale = 0.01;
  } else if (text.ends_with("pt")) {
    if (!IsFraction(metric)) {
      throw std::invalid_argument("points (pt) apply to rates only, in " +
                                  quoted);
    }
    text.remove_suffix(2);
    scale = 0.01;
  } else if (text.ends_with("ms")) {
    if (!IsTime(metric)) {
      throw std::invalid_argument("ms applies to time metrics only, in " +
                                  quoted);
    }
    text.remove_suffix(2);
  }
  const std::optional<double> value = ParseNumber(text);
  if (!value || *value < 0) {
    throw std::invalid_argument(
        relative_allowed
            ? "expected a tolerance such as 15%, 15%,2ms, 0.2pt or 20ms, in " +
                  quoted
            : "expected an absolute floor such as 2ms or 0.2pt, in " + quoted);
  }
  tolerance.value = *value * scale;
  return tolerance;
}

// An absolute amount of `metric`: "0.5 pt" for fractions, "20 ms", ...
std::string AbsoluteAmount(std::string_view metric, double value) {
  if (IsFraction(metric)) return FormatNumber(100 * value, 3) + " pt";
  return FormatMetricValue(metric, value);
}

// The name of run `index` of a side: the caller's, else "baseline run 2".
std::string RunName(const std::vector<std::string>& names,
                    std::string_view side, size_t index) {
  if (index < names.size()) return names[index];
  return std::string(side) + " run " + std::to_string(index + 1);
}

// Why two runs did not measure the same load, or "" when they did. Their
// figures cannot be compared otherwise: 10 req/s against 100 req/s or a 5 s
// run against a 10 s one differ by design, not by regression.
std::string LoadDifference(const RunInfo& baseline, const RunInfo& current) {
  if (baseline.load_model != current.load_model) {
    return "load model \"" + baseline.load_model + "\" vs \"" +
           current.load_model + "\"";
  }
  if (baseline.target_rps != current.target_rps) {
    return "target rate " + FormatNumber(baseline.target_rps) + " vs " +
           FormatNumber(current.target_rps) + " req/s";
  }
  if (baseline.planned_duration_ns != current.planned_duration_ns) {
    return "planned duration " +
           FormatMilliseconds(
               static_cast<double>(baseline.planned_duration_ns)) +
           " vs " +
           FormatMilliseconds(static_cast<double>(current.planned_duration_ns));
  }
  return "";
}

// Throws std::invalid_argument unless every baseline run is complete and
// measured the same load as every current run.
void CheckComparable(const std::vector<RunReport>& baseline,
                     const std::vector<RunReport>& current,
                     const GateRunNames& names) {
  for (size_t b = 0; b < baseline.size(); ++b) {
    const std::string baseline_name = RunName(names.baseline, "baseline", b);
    if (!baseline[b].info.stop_reason.empty()) {
      throw std::invalid_argument(
          baseline_name + ": the baseline stopped early (" +
          baseline[b].info.stop_reason +
          "); a baseline must be a complete run, record it again");
    }
    for (size_t c = 0; c < current.size(); ++c) {
      const std::string difference =
          LoadDifference(baseline[b].info, current[c].info);
      if (!difference.empty()) {
        throw std::invalid_argument(baseline_name + " vs " +
                                    RunName(names.current, "current", c) +
                                    ": not comparable, " + difference);
      }
    }
  }
}

}  // namespace

std::string Tolerance::Describe(std::string_view metric) const {
  const std::string sign = LowerIsWorse(metric) ? "-" : "+";
  if (kind == Kind::kAbsolute) return sign + AbsoluteAmount(metric, value);
  std::string text = sign + FormatNumber(100 * value, 2) + " %";
  if (floor > 0) text += " (at least " + AbsoluteAmount(metric, floor) + ")";
  return text;
}

double Tolerance::Allowed(double baseline) const {
  if (kind == Kind::kAbsolute) return value;
  return std::max(value * std::abs(baseline), floor);
}

std::string GateMetric::Key() const {
  if (IsRunFigure(metric)) return metric;
  return metric + ".p" + FormatNumber(percentile, 3);
}

std::vector<GateMetric> DefaultGateMetrics() {
  const Tolerance ten_percent{
      .kind = Tolerance::Kind::kRelative, .value = 0.10, .floor = 1.0};
  return {
      {"latency", 95, ten_percent},
      {"latency", 99, ten_percent},
      {"error_rate", 0, {.kind = Tolerance::Kind::kAbsolute, .value = 0.005}},
      {"achieved_rps", 0, {.kind = Tolerance::Kind::kRelative, .value = 0.05}},
      {"ttft", 95, ten_percent},
  };
}

void ApplyToleranceOverride(std::string_view text,
                            std::vector<GateMetric>& metrics) {
  std::string quoted(1, '"');
  quoted.append(text).push_back('"');
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    throw std::invalid_argument("expected METRIC=VALUE, got " + quoted);
  }
  const std::string_view key = text.substr(0, equals);
  std::string_view value_text = text.substr(equals + 1);

  GateMetric parsed;
  const size_t dot = key.find(".p");
  parsed.metric = std::string(key.substr(0, dot));
  if (!IsKnownMetric(parsed.metric)) {
    throw std::invalid_argument("unknown metric \"" + parsed.metric + "\" in " +
                                quoted);
  }
  if (IsRunFigure(parsed.metric) != (dot == std::string_view::npos)) {
    throw std::invalid_argument(IsRunFigure(parsed.metric)
                                    ? parsed.metric +
                                          " takes no percentile, in " + quoted
                                    : "expected a percentile such as " +
                                          parsed.metric + ".p95, in " + quoted);
  }
  if (dot != std::string_view::npos) {
    const std::optional<double> percentile = ParseNumber(key.substr(dot + 2));
    if (!percentile || *percentile <= 0 || *percentile > 100) {
      throw std::invalid_argument("bad percentile in " + quoted);
    }
    parsed.percentile = *percentile;
  }

  if (value_text.starts_with("+") || value_text.starts_with("-")) {
    value_text.remove_prefix(1);
  }
  const size_t comma = value_text.find(',');
  parsed.tolerance = ParseAmount(value_text.substr(0, comma), parsed.metric,
                                 /*relative_allowed=*/true, quoted);
  if (comma != std::string_view::npos) {
    if (parsed.tolerance.kind != Tolerance::Kind::kRelative) {
      throw std::invalid_argument(
          "a floor (\",...\") follows a relative tolerance only, in " + quoted);
    }
    parsed.tolerance.floor =
        ParseAmount(value_text.substr(comma + 1), parsed.metric,
                    /*relative_allowed=*/false, quoted)
            .value;
  }

  const std::string parsed_key = parsed.Key();
  auto existing =
      std::find_if(metrics.begin(), metrics.end(),
                   [&](const GateMetric& m) { return m.Key() == parsed_key; });
  if (existing == metrics.end()) {
    metrics.push_back(std::move(parsed));
  } else {
    existing->tolerance = parsed.tolerance;
  }
}

ObjectiveResult GateRow::AsObjectiveResult() const {
  ObjectiveResult result;
  result.objective.metric = metric.metric;
  result.objective.percentile = metric.percentile;
  result.objective.tag = tag;
  const double margin = spread_measured ? std::max(allowed, spread) : allowed;
  if (LowerIsWorse(metric.metric)) {
    result.objective.op = Objective::Op::kGe;
    result.objective.threshold = baseline - margin;
  } else {
    result.objective.op = Objective::Op::kLe;
    result.objective.threshold = baseline + margin;
  }
  result.passed = !regressed;
  result.observed = current;
  result.explanation = message;
  return result;
}

std::string GateRow::CaseName() const {
  std::string name = metric.Key();
  if (!tag.empty()) name += " [tag " + tag + "]";
  return name + " does not regress";
}

bool GateResult::regressed() const {
  return !stopped_early.empty() ||
         std::any_of(rows.begin(), rows.end(),
                     [](const GateRow& row) { return row.regressed; });
}

bool GateResult::judged() const {
  return !rows.empty() || !stopped_early.empty();
}

std::string GateSuiteName(const std::vector<std::string>& current_paths,
                          const std::vector<RunReport>& current) {
  std::vector<std::string> stems;
  for (const std::string& path : current_paths) {
    stems.push_back(std::filesystem::path(path).stem().string());
  }
  const auto all_equal = [](const std::vector<std::string>& names) {
    return !names.empty() && !names.front().empty() &&
           std::all_of(names.begin(), names.end(), [&](const std::string& n) {
             return n == names.front();
           });
  };
  if (all_equal(stems)) return stems.front();
  std::vector<std::string> run_names;
  for (const RunReport& run : current) run_names.push_back(run.info.name);
  if (all_equal(run_names)) return run_names.front();
  std::string joined;
  for (const std::string& stem : stems) {
    joined += (joined.empty() ? "" : ", ") + stem;
  }
  return joined.empty() ? "loadgate compare" : joined;
}

GateResult Compare(const std::vector<RunReport>& baseline,
                   const std::vector<RunReport>& current,
                   const std::vector<GateMetric>& metrics, uint64_t min_samples,
                   const GateRunNames& names) {
  if (baseline.empty() || current.empty()) {
    throw std::invalid_argument("compare needs at least one report per side");
  }
  CheckComparable(baseline, current, names);
  GateResult result;
  result.baseline_runs = static_cast<int>(baseline.size());
  result.current_runs = static_cast<int>(current.size());
  for (size_t c = 0; c < current.size(); ++c) {
    result.current_seconds +=
        static_cast<double>(current[c].info.actual_duration_ns) / 1e9;
    const std::string& stop_reason = current[c].info.stop_reason;
    if (stop_reason.empty()) continue;
    const std::string run = RunName(names.current, "current", c);
    result.stopped_early.push_back(
        {.run = run,
         .number = static_cast<int>(c + 1),
         .stop_reason = stop_reason,
         .message = "current run " + run + " stopped early: " + stop_reason});
  }
  const RunReport merged_baseline = MergeRuns(baseline);
  const RunReport merged_current = MergeRuns(current);

  std::vector<std::string> tags = {""};  // "" = the whole run
  for (const TagStats& tag : merged_baseline.metrics.tags) {
    if (merged_current.FindTag(tag.name) != nullptr) tags.push_back(tag.name);
  }
  for (const std::string& tag : tags) {
    for (const GateMetric& metric : metrics) {
      CompareOne(baseline, merged_baseline, merged_current, metric, tag,
                 min_samples, result);
    }
  }
  return result;
}

void WriteGateMarkdown(const GateResult& result, std::ostream& out) {
  const int regressions =
      static_cast<int>(
          std::count_if(result.rows.begin(), result.rows.end(),
                        [](const GateRow& row) { return row.regressed; })) +
      static_cast<int>(result.stopped_early.size());
  std::string verdict;
  if (regressions > 0) {
    verdict = std::to_string(regressions) +
              (regressions == 1 ? " regression" : " regressions");
  } else {
    verdict = result.judged() ? "no regression" : "nothing could be judged";
  }
  out << "## loadgate compare: " << verdict << "\n\n"
      << "Baseline " << result.baseline_runs << " run(s), current "
      << result.current_runs
      << " run(s), each side's histograms merged. A metric regresses when "
         "it worsens by more than its tolerance and, with repeated baseline "
         "runs, by more than their run-to-run spread.\n\n"
      << "| Metric | Baseline | Current | Change | Tolerance | Spread | "
         "Verdict |\n"
      << "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const GateRow& row : result.rows) {
    const std::string_view metric = row.metric.metric;
    out << "| " << MarkdownCell(Label(row.metric, row.tag)) << " | "
        << FormatMetricValue(metric, row.baseline) << " | "
        << FormatMetricValue(metric, row.current) << " | "
        << DescribeChange(metric, row.baseline, row.current) << " | "
        << row.metric.tolerance.Describe(metric) << " | "
        << (row.spread_measured ? FormatMetricValue(metric, row.spread)
                                : std::string("n/a"))
        << " | " << (row.regressed ? "**REGRESSION**" : "ok") << " |\n";
  }
  if (regressions > 0) {
    out << "\nRegressions:\n\n";
    for (const StoppedRun& stopped : result.stopped_early) {
      out << "- " << MarkdownCell(stopped.message) << "\n";
    }
    for (const GateRow& row : result.rows) {
      if (row.regressed) out << "- " << MarkdownCell(row.message) << "\n";
    }
  }
  if (!result.skipped.empty()) {
    out << "\nNot compared:\n\n";
    for (const std::string& skipped : result.skipped) {
      out << "- " << MarkdownCell(skipped) << "\n";
    }
  }
}

}  // namespace loadgate
