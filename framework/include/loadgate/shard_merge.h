// Merging the reports of a sharded test (`loadgate run --shard K/N` on N
// machines) into one report of the whole test, as `loadgate merge` and
// `loadgate collect` do: histograms merge exactly (so the merged p99 is the
// p99 of every request of every shard, never an average of percentiles),
// counters, token usage and cost add up, and the per-second series line up
// by wall-clock second.
#ifndef LOADGATE_SHARD_MERGE_H_
#define LOADGATE_SHARD_MERGE_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "loadgate/report.h"

namespace loadgate {

// Reports that cannot be merged: not shard reports, shards of different
// tests, the same shard twice. what() names the files.
class ShardMergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ShardMergeResult {
  RunReport report;  // the whole test, RunInfo::shard {0, 1}
  // Shards of the test no report was given for (ascending): the merged
  // report covers only part of the test, which fails any verdict on it.
  std::vector<int> missing;
  int shard_count = 0;  // N, the shards the test was split into
};

// An objective a shard was given: its expression (SloVerdict::expression)
// and its name (SloVerdict::objective: EXPECT_SLO's matcher description or
// Objective::Describe()), so the merge's verdict is named as a
// single-process run's would be.
struct StoredObjective {
  std::string expression;
  std::string name;
};

// Merges the reports of one sharded test as they arrive, one at a time: it
// holds the running total and never the reports themselves, so merging N
// shards of one scenario (the same tags, the same seconds) takes the memory
// of two reports whatever N is (`loadgate collect` receiving them,
// `loadgate merge` reading them file by file). Reports that each bring
// other tags, custom metrics or seconds would grow the total with every
// one: it is held to `histogram_budget_bytes`, by default what one report
// may take (kReportHistogramBudgetBytes), so the merged report can be read
// again.
class ShardMerger {
 public:
  // `expected_shards` > 0 insists on that shard count.
  explicit ShardMerger(
      int expected_shards = 0,
      uint64_t histogram_budget_bytes = kReportHistogramBudgetBytes)
      : expected_shards_(expected_shards),
        histogram_budget_bytes_(histogram_budget_bytes) {}

  // Checks `report` (read from `name`, for messages) against those added
  // before: a shard's report, of the same test, not a shard already added,
  // histograms of the same precision, a total within the histogram budget;
  // then merges it into the total. Throws ShardMergeError naming the files,
  // leaving the total as it was.
  void Add(RunReport report, std::string name);

  // The shards added so far, and what a newcomer is checked against.
  int added() const { return static_cast<int>(names_.size()); }
  bool Has(int shard_index) const;
  // The first report's test identity and shard count ("" and 0 before).
  const std::string& test_id() const { return merged_.info.test_id; }
  int shard_count() const { return shard_count_; }

  // The objectives the shards were given, each once (by expression), in the
  // order first seen: what the merged report is to be judged on.
  const std::vector<StoredObjective>& stored_objectives() const {
    return objectives_;
  }

  // The whole test's report. The merged RunInfo: the shared name, load
  // model and planned duration; target rate and users summed; the earliest
  // start and the longest actual duration; each shard's stop reason,
  // prefixed "shard K/N: ". The SLO verdicts the shards stored are dropped
  // (a shard cannot judge the whole test): the caller judges the merged
  // report. Throws ShardMergeError when nothing was added. Call once.
  ShardMergeResult Finish();

 private:
  friend std::vector<StoredObjective> StoredObjectives(
      const std::vector<RunReport>& reports);

  void Check(const RunInfo& info, const std::string& name) const;
  void Gather(const std::vector<SloVerdict>& slos);

  int expected_shards_;
  uint64_t histogram_budget_bytes_;
  int shard_count_ = 0;
  RunReport merged_;                // the running total
  std::vector<std::string> names_;  // of the reports added, in order
  std::vector<int> indexes_;        // their shard indexes, parallel
  // The earliest start (Unix seconds) among the reports that have one: the
  // merged series count seconds from it.
  std::optional<int64_t> earliest_;
  int64_t latest_end_ns_ = 0;  // since earliest_ (or each report's start)
  std::vector<StoredObjective> objectives_;
};

// Merges `reports` (read from `names`, parallel, for messages) of one
// sharded test at once, through ShardMerger (see there for the merged
// RunInfo). Throws ShardMergeError.
ShardMergeResult MergeShardReports(const std::vector<RunReport>& reports,
                                   const std::vector<std::string>& names,
                                   int expected_shards = 0);

// The objectives the shards were given, as ShardMerger::stored_objectives().
std::vector<StoredObjective> StoredObjectives(
    const std::vector<RunReport>& reports);

// A failed verdict "every shard of the test reports" naming the missing
// shards ("missing shards 1/4, 3/4"), for every output that judges the
// merge; empty when none is missing.
std::vector<SloVerdict> MissingShardVerdicts(const ShardMergeResult& merged);

}  // namespace loadgate

#endif  // LOADGATE_SHARD_MERGE_H_
