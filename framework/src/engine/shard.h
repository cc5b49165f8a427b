// How a shard's share of a test is computed (RunOptions::shard): items of
// the whole test (arrivals, users, in-flight slots, connections, data rows)
// are numbered from 0, and shard K of N owns those numbered K, K + N,
// K + 2N, ... Pure arithmetic, unit-tested on its own.
#ifndef LOADGATE_ENGINE_SHARD_H_
#define LOADGATE_ENGINE_SHARD_H_

#include <cstdint>

#include "engine/schedule.h"
#include "loadgate/engine.h"

namespace loadgate::engine {

// How many of the items 0 .. total - 1 shard K of N owns: total / N, plus
// one for the first total % N shards.
inline int64_t ShareOf(int64_t total, Shard shard) {
  return total / shard.count + (shard.index < total % shard.count);
}

// The whole test's number of the shard's `local`-th item.
inline int64_t GlobalIndex(int64_t local, Shard shard) {
  return shard.index + local * shard.count;
}

// The arrivals worker `worker` of `workers` starts in its shard: the
// shard's arrivals (every N-th from K) dealt round-robin over its workers.
inline ArrivalLane LaneOf(Shard shard, int worker, int workers) {
  return {static_cast<uint64_t>(GlobalIndex(worker, shard)),
          static_cast<uint64_t>(shard.count) * static_cast<uint64_t>(workers)};
}

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_SHARD_H_
