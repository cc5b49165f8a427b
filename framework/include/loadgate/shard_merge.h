// Merging the reports of a sharded test (`loadgate run --shard K/N` on N
// machines) into one report of the whole test, as `loadgate merge` and
// `loadgate collect` do: histograms merge exactly (so the merged p99 is the
// p99 of every request of every shard, never an average of percentiles),
// counters, token usage and cost add up, and the per-second series line up
// by wall-clock second.
#ifndef LOADGATE_SHARD_MERGE_H_
#define LOADGATE_SHARD_MERGE_H_

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

// Merges `reports` (read from `names`, parallel, for messages) of one
// sharded test. `expected_shards` > 0 insists on that shard count. The
// merged RunInfo: the shared name, load model and planned duration; target
// rate and users summed; the earliest start and the longest actual
// duration; each shard's stop reason, prefixed "shard K/N: ". The SLO
// verdicts the shards stored are dropped (a shard cannot judge the whole
// test): the caller judges the merged report. Throws ShardMergeError.
ShardMergeResult MergeShardReports(const std::vector<RunReport>& reports,
                                   const std::vector<std::string>& names,
                                   int expected_shards = 0);

// An objective a shard was given: its expression (SloVerdict::expression)
// and its name (SloVerdict::objective: EXPECT_SLO's matcher description or
// Objective::Describe()), so the merge's verdict is named as a
// single-process run's would be.
struct StoredObjective {
  std::string expression;
  std::string name;
};

// The objectives the shards were given, each once (by expression), in the
// order first seen: what the merged report is to be judged on.
std::vector<StoredObjective> StoredObjectives(
    const std::vector<RunReport>& reports);

// A failed verdict "every shard of the test reports" naming the missing
// shards ("missing shards 1/4, 3/4"), for every output that judges the
// merge; empty when none is missing.
std::vector<SloVerdict> MissingShardVerdicts(const ShardMergeResult& merged);

}  // namespace loadgate

#endif  // LOADGATE_SHARD_MERGE_H_
