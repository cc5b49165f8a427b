#include "loadgate/shard_merge.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

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

// The checks that make the reports one test: every report a shard of the
// same test (count and identity), no shard twice.
void CheckBelongTogether(const std::vector<RunReport>& reports,
                         const std::vector<std::string>& names,
                         int expected_shards) {
  if (reports.empty()) throw ShardMergeError("no report to merge");
  const RunInfo& first = reports.front().info;
  for (size_t i = 0; i < reports.size(); ++i) {
    const RunInfo& info = reports[i].info;
    if (info.shard.count < 2 || info.test_id.empty()) {
      throw ShardMergeError(names[i] +
                            ": not a shard's report (written by a run "
                            "without --shard K/N)");
    }
    if (info.shard.count != first.shard.count ||
        info.test_id != first.test_id) {
      throw ShardMergeError(
          names[0] + " and " + names[i] + " are shards of different tests (" +
          ShardText(first.shard) + " of test " + first.test_id + " vs " +
          ShardText(info.shard) + " of test " + info.test_id + ")");
    }
    for (size_t j = 0; j < i; ++j) {
      if (reports[j].info.shard.index == info.shard.index) {
        throw ShardMergeError(names[j] + " and " + names[i] +
                              " are both shard " + ShardText(info.shard));
      }
    }
  }
  if (expected_shards > 0 && expected_shards != first.shard.count) {
    throw ShardMergeError(
        names[0] + ": a test of " + std::to_string(first.shard.count) +
        " shards, expected " + std::to_string(expected_shards));
  }
}

}  // namespace

ShardMergeResult MergeShardReports(const std::vector<RunReport>& reports,
                                   const std::vector<std::string>& names,
                                   int expected_shards) {
  CheckBelongTogether(reports, names, expected_shards);
  // Shards that started in different wall-clock seconds (no common
  // --start-at) have their series shifted onto the earliest start.
  std::vector<int64_t> offsets(reports.size(), 0);
  std::optional<int64_t> earliest;
  for (size_t i = 0; i < reports.size(); ++i) {
    if (auto start = UnixSeconds(reports[i].info.started_at)) {
      offsets[i] = *start;
      earliest = earliest ? std::min(*earliest, *start) : *start;
    }
  }
  ShardMergeResult result;
  RunReport& merged = result.report;
  merged.info = reports.front().info;
  merged.info.shard = {};
  merged.info.target_rps = 0;
  merged.info.users = 0;
  merged.info.actual_duration_ns = 0;
  merged.info.stop_reason.clear();
  const int count = reports.front().info.shard.count;
  result.shard_count = count;
  std::vector<bool> present(count, false);
  for (size_t i = 0; i < reports.size(); ++i) {
    const RunInfo& info = reports[i].info;
    const int64_t offset = earliest ? offsets[i] - *earliest : 0;
    present[info.shard.index] = true;
    merged.info.target_rps += info.target_rps;
    merged.info.users += info.users;
    merged.info.actual_duration_ns =
        std::max(merged.info.actual_duration_ns,
                 offset * kSecondNs + info.actual_duration_ns);
    if (offset == 0) merged.info.started_at = info.started_at;
    if (!info.stop_reason.empty()) {
      if (!merged.info.stop_reason.empty()) merged.info.stop_reason += "; ";
      merged.info.stop_reason +=
          "shard " + ShardText(info.shard) + ": " + info.stop_reason;
    }
    Metrics metrics = reports[i].metrics;
    for (TimeSlot& slot : metrics.series) slot.second += offset;
    if (i == 0) {
      merged.metrics = std::move(metrics);
    } else {
      merged.metrics.Merge(metrics);
    }
  }
  for (int k = 0; k < count; ++k) {
    if (!present[k]) result.missing.push_back(k);
  }
  return result;
}

std::vector<StoredObjective> StoredObjectives(
    const std::vector<RunReport>& reports) {
  std::vector<StoredObjective> objectives;
  for (const RunReport& report : reports) {
    for (const SloVerdict& verdict : report.slos) {
      const bool seen =
          std::any_of(objectives.begin(), objectives.end(),
                      [&](const StoredObjective& stored) {
                        return stored.expression == verdict.expression;
                      });
      if (verdict.expression.empty() || seen) continue;
      objectives.push_back({verdict.expression, verdict.objective});
    }
  }
  return objectives;
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
