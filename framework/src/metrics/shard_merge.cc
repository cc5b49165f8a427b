#include "loadgate/shard_merge.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "metrics/metric_catalogue.h"

namespace loadgate {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

std::string ShardText(const Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

// RunInfo::started_at ("2026-12-06T13:05:00Z") in Unix seconds; nullopt
// for any other text (a hand-made report).
std::optional<int64_t> UnixSeconds(const std::string& iso_utc) {
  std::tm utc{};
  const char* end = strptime(iso_utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&utc));
}

// Bytes the histograms of one TagStats take.
uint64_t StatsBytes(const TagStats& stats) {
  uint64_t bytes = 0;
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.kind != MetricKind::kDistribution) continue;
    bytes += Histogram::BucketBytes((stats.*metric.histogram).precision_bits());
  }
  return bytes;
}

// Bytes the histograms of `total` take once `report` (its series `shift`
// seconds later than the total's) is merged into it: the newcomer's tags,
// custom metrics and seconds that the total lacks add theirs.
uint64_t MergedHistogramBytes(const Metrics& total, const Metrics& report,
                              int64_t shift) {
  uint64_t bytes = StatsBytes(total.total);
  for (const TagStats& mine : total.tags) bytes += StatsBytes(mine);
  for (const TagStats& theirs : report.tags) {
    const bool known = std::any_of(
        total.tags.begin(), total.tags.end(),
        [&](const TagStats& mine) { return mine.name == theirs.name; });
    if (!known) bytes += StatsBytes(theirs);
  }
  for (const CustomMetric& mine : total.custom) {
    bytes += Histogram::BucketBytes(mine.value.precision_bits());
  }
  for (const CustomMetric& theirs : report.custom) {
    const bool known = std::any_of(
        total.custom.begin(), total.custom.end(),
        [&](const CustomMetric& mine) { return mine.name == theirs.name; });
    if (!known) bytes += Histogram::BucketBytes(theirs.value.precision_bits());
  }
  // Both series ascend by second: walk them together.
  auto mine = total.series.begin();
  auto theirs = report.series.begin();
  while (mine != total.series.end() || theirs != report.series.end()) {
    const bool take_mine =
        theirs == report.series.end() ||
        (mine != total.series.end() && mine->second <= theirs->second + shift);
    if (take_mine) {
      if (theirs != report.series.end() &&
          mine->second == theirs->second + shift) {
        ++theirs;
      }
      bytes += Histogram::BucketBytes(mine->latency.precision_bits());
      ++mine;
    } else {
      bytes += Histogram::BucketBytes(theirs->latency.precision_bits());
      ++theirs;
    }
  }
  return bytes;
}

std::string Mebibytes(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

// Histograms merge only at equal precision (Histogram::Merge throws
// otherwise, half-way through a merge): the first pair of `total` and
// `report` that would not, as "tags[GET /a].latency: 14 and 7 bits"; empty
// when every one merges.
std::string PrecisionMismatch(const Metrics& total, const Metrics& report) {
  const auto differ = [](const Histogram& mine, const Histogram& theirs) {
    return mine.precision_bits() != theirs.precision_bits();
  };
  const auto describe = [](const std::string& where, const Histogram& mine,
                           const Histogram& theirs) {
    return where + ": " + std::to_string(mine.precision_bits()) + " and " +
           std::to_string(theirs.precision_bits()) + " bits";
  };
  const auto stats_mismatch = [&](const TagStats& mine, const TagStats& theirs,
                                  const std::string& where) -> std::string {
    for (const MetricDefinition& metric : MetricCatalogue()) {
      if (metric.kind != MetricKind::kDistribution) continue;
      if (differ(mine.*metric.histogram, theirs.*metric.histogram)) {
        return describe(where + "." + std::string(metric.name),
                        mine.*metric.histogram, theirs.*metric.histogram);
      }
    }
    return "";
  };
  if (std::string found = stats_mismatch(total.total, report.total, "summary");
      !found.empty()) {
    return found;
  }
  for (const TagStats& theirs : report.tags) {
    for (const TagStats& mine : total.tags) {
      if (mine.name != theirs.name) continue;
      std::string found =
          stats_mismatch(mine, theirs, "tags[" + mine.name + "]");
      if (!found.empty()) return found;
    }
  }
  for (const CustomMetric& theirs : report.custom) {
    for (const CustomMetric& mine : total.custom) {
      if (mine.name == theirs.name && differ(mine.value, theirs.value)) {
        return describe("custom[" + mine.name + "]", mine.value, theirs.value);
      }
    }
  }
  // Every second of a series has the same precision (TimeSlot's).
  for (const TimeSlot& theirs : report.series) {
    if (!total.series.empty() &&
        differ(total.series.front().latency, theirs.latency)) {
      return describe("series", total.series.front().latency, theirs.latency);
    }
  }
  return "";
}

}  // namespace

bool ShardMerger::Has(int shard_index) const {
  return std::find(indexes_.begin(), indexes_.end(), shard_index) !=
         indexes_.end();
}

// The checks that make the reports one test: every report a shard of the
// same test (count and identity), no shard twice.
void ShardMerger::Check(const RunInfo& info, const std::string& name) const {
  if (info.shard.count < 2 || info.test_id.empty()) {
    throw ShardMergeError(name +
                          ": not a shard's report (written by a run "
                          "without --shard K/N)");
  }
  if (names_.empty()) {
    if (expected_shards_ > 0 && expected_shards_ != info.shard.count) {
      throw ShardMergeError(
          name + ": a test of " + std::to_string(info.shard.count) +
          " shards, expected " + std::to_string(expected_shards_));
    }
    return;
  }
  if (info.shard.count != shard_count_ || info.test_id != test_id()) {
    throw ShardMergeError(
        names_.front() + " and " + name + " are shards of different tests (" +
        ShardText({indexes_.front(), shard_count_}) + " of test " + test_id() +
        " vs " + ShardText(info.shard) + " of test " + info.test_id + ")");
  }
  const auto same =
      std::find(indexes_.begin(), indexes_.end(), info.shard.index);
  if (same != indexes_.end()) {
    throw ShardMergeError(names_[same - indexes_.begin()] + " and " + name +
                          " are both shard " + ShardText(info.shard));
  }
}

void ShardMerger::Gather(const std::vector<SloVerdict>& slos) {
  for (const SloVerdict& verdict : slos) {
    const bool seen =
        std::any_of(objectives_.begin(), objectives_.end(),
                    [&](const StoredObjective& stored) {
                      return stored.expression == verdict.expression;
                    });
    if (verdict.expression.empty() || seen) continue;
    objectives_.push_back({verdict.expression, verdict.objective});
  }
}

void ShardMerger::Add(RunReport report, std::string name) {
  const RunInfo& info = report.info;
  Check(info, name);
  const bool first = names_.empty();
  if (!first) {
    const std::string mismatch =
        PrecisionMismatch(merged_.metrics, report.metrics);
    if (!mismatch.empty()) {
      throw ShardMergeError(names_.front() + " and " + name +
                            " hold histograms of different precision (" +
                            mismatch + ")");
    }
  }
  // Shards that started in different wall-clock seconds (no common
  // --start-at) have their series shifted onto the earliest start: an
  // earlier newcomer shifts the total. A report without a readable start
  // (hand-made) lines up with the earliest start seen.
  const std::optional<int64_t> start = UnixSeconds(info.started_at);
  const uint64_t bytes =
      first
          ? MergedHistogramBytes(report.metrics, Metrics{}, 0)
          : MergedHistogramBytes(merged_.metrics, report.metrics,
                                 start && earliest_ ? *start - *earliest_ : 0);
  if (bytes > histogram_budget_bytes_) {
    throw ShardMergeError(
        name + ": merged with " + std::to_string(added()) +
        " report(s) before it, the histograms would take " + Mebibytes(bytes) +
        ", over the " + Mebibytes(histogram_budget_bytes_) +
        " a report may take (it brings tags, custom metrics or seconds the "
        "others do not have)");
  }
  if (first) {
    merged_.info = info;
    merged_.info.shard = {};
    merged_.info.target_rps = 0;
    merged_.info.users = 0;
    merged_.info.actual_duration_ns = 0;
    merged_.info.stop_reason.clear();
    shard_count_ = info.shard.count;
  }
  if (start && earliest_ && *start < *earliest_) {
    const int64_t later_by = *earliest_ - *start;
    for (TimeSlot& slot : merged_.metrics.series) slot.second += later_by;
    latest_end_ns_ += later_by * kSecondNs;
  }
  if (start && (!earliest_ || *start < *earliest_)) earliest_ = start;
  const int64_t offset = start ? *start - *earliest_ : 0;
  merged_.info.target_rps += info.target_rps;
  merged_.info.users += info.users;
  latest_end_ns_ =
      std::max(latest_end_ns_, offset * kSecondNs + info.actual_duration_ns);
  if (offset == 0 && (start || !earliest_)) {
    merged_.info.started_at = info.started_at;
  }
  if (!info.stop_reason.empty()) {
    if (!merged_.info.stop_reason.empty()) merged_.info.stop_reason += "; ";
    merged_.info.stop_reason +=
        "shard " + ShardText(info.shard) + ": " + info.stop_reason;
  }
  for (TimeSlot& slot : report.metrics.series) slot.second += offset;
  if (first) {
    merged_.metrics = std::move(report.metrics);
  } else {
    merged_.metrics.Merge(report.metrics);
  }
  Gather(report.slos);
  indexes_.push_back(info.shard.index);
  names_.push_back(std::move(name));
}

ShardMergeResult ShardMerger::Finish() {
  if (names_.empty()) throw ShardMergeError("no report to merge");
  ShardMergeResult result;
  result.report = std::move(merged_);
  result.report.info.actual_duration_ns = latest_end_ns_;
  result.shard_count = shard_count_;
  for (int k = 0; k < shard_count_; ++k) {
    if (!Has(k)) result.missing.push_back(k);
  }
  return result;
}

ShardMergeResult MergeShardReports(const std::vector<RunReport>& reports,
                                   const std::vector<std::string>& names,
                                   int expected_shards) {
  ShardMerger merger(expected_shards);
  for (size_t i = 0; i < reports.size(); ++i) merger.Add(reports[i], names[i]);
  return merger.Finish();
}

std::vector<StoredObjective> StoredObjectives(
    const std::vector<RunReport>& reports) {
  // Only the verdicts are read: the reports are not merged.
  ShardMerger gatherer;
  for (const RunReport& report : reports) gatherer.Gather(report.slos);
  return gatherer.stored_objectives();
}

std::vector<SloVerdict> MissingShardVerdicts(const ShardMergeResult& merged) {
  if (merged.missing.empty()) return {};
  const int count = static_cast<int>(merged.missing.size());
  std::string shards;
  for (int index : merged.missing) {
    if (!shards.empty()) shards += ", ";
    // The test's shard count: the merge kept it in no other field.
    shards += std::to_string(index) + "/" + std::to_string(merged.shard_count);
  }
  const std::string observed =
      (count == 1 ? "missing shard " : "missing shards ") + shards;
  return {
      {.objective = "every shard of the test reports",
       .passed = false,
       .observed = observed,
       .explanation = "FAILED every shard of the test reports: " + observed +
                      "; the merged report covers only part of the test, "
                      "so its objectives cannot pass"}};
}

}  // namespace loadgate
