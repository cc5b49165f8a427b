// One event-loop thread of a run: its share of the load, its connections,
// its timers and its Recorder. See engine.cc for the overall design.
#ifndef LOADGATE_ENGINE_WORKER_H_
#define LOADGATE_ENGINE_WORKER_H_

#include <time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/plan.h"
#include "engine/schedule.h"
#include "engine/transport.h"
#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/metrics.h"

namespace loadgate::engine {

inline constexpr int64_t kSecondNs = 1'000'000'000;

// CLOCK_MONOTONIC in ns: the clock of RunControl's times, read by the
// supervisor and every worker.
inline int64_t MonotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// State the supervisor and all workers share. The supervisor moves the two
// deadlines earlier to stop a run (and wakes the workers); workers read them
// with relaxed loads on every loop turn.
struct RunControl {
  int64_t start_monotonic_ns = 0;  // CLOCK_MONOTONIC time of t = 0
  // No iteration starts at or after this (ns since start); arrivals
  // intended before it may still start late.
  std::atomic<int64_t> load_end_ns{0};
  // In-flight work is dropped, uncounted, at this time.
  std::atomic<int64_t> abandon_ns{0};
  // RunOptions::max_requests (0 = none) and how many requests were started.
  uint64_t max_requests = 0;
  std::atomic<uint64_t> requests_started{0};
  // Sequence counters, Plan::sequences of them (shared so items go out in
  // order across workers): each data set's next row, then each LLM flow's
  // next conversation.
  std::unique_ptr<std::atomic<uint64_t>[]> sequences;
};

// Live counters a worker updates and the supervisor reads (single writer,
// relaxed atomics: no lock, no contention).
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> prompt_tokens{0};
  std::atomic<uint64_t> output_tokens{0};
  std::atomic<bool> finished{false};
  std::atomic<int64_t> finished_ns{0};
};

struct WorkerSetup {
  int index = 0;
  const Plan* plan = nullptr;
  const TlsContext* tls = nullptr;  // null when no origin uses https
  RunControl* control = nullptr;
  uint64_t seed = 1;
  Shard shard;  // sequential and random data rows come from its share
  int64_t expected_duration_s = 0;
  // Open model: the shared schedule, the arrivals this worker starts (with
  // the whole test's arrival seed) and its share of in-flight iterations.
  const ArrivalSchedule* schedule = nullptr;
  OpenModel::Arrivals arrivals = OpenModel::Arrivals::kConstant;
  ArrivalLane lane;
  uint64_t arrival_seed = 1;
  int max_in_flight = 0;
  // Closed model: this worker's users by start time (ns since start).
  bool closed = false;
  std::vector<int64_t> user_start_ns;
  ThinkTime think;
  int64_t iterations_per_user = 0;
  // Called (from the worker thread) when the worker has finished.
  std::function<void()> on_finished;
};

class Worker {
 public:
  // Allocates everything the loop needs; throws std::system_error when the
  // epoll/timerfd/eventfd descriptors cannot be created.
  explicit Worker(WorkerSetup setup);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread body; returns when the worker's load is done or abandoned.
  void Run();
  // Makes the loop re-read RunControl now (async-safe, any thread).
  void Wake();

  const WorkerCounters& counters() const;
  // Valid after Run() returned.
  const Recorder& recorder() const;
  // Copies the worker's time slot of `second` (if it has published it: once
  // the worker's clock passed the end of that second) into `out`, merging.
  // Returns false when not published yet.
  bool MergePublishedSecond(int64_t second, TimeSlot& out) const;

  // Per-tag statistics for Progress::tags. Once enabled (before Run()), the
  // worker also publishes, with each second and when it finishes, a copy of
  // its Recorder's tags: only those with new samples since the last copy,
  // under the same mutex, once a second, never on the hot path.
  void EnableTagPublication();
  // Adds each published tag's activity (requests plus chunk gaps recorded:
  // it grows with every sample) to `activity` (one entry per tag).
  void AddPublishedActivity(std::vector<uint64_t>& activity) const;
  // For each tag t with changed[t]: copies the published tag into into[t]
  // when `replace`, else merges it in.
  void MergePublishedTags(const std::vector<bool>& changed, bool replace,
                          std::vector<TagStats>& into) const;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_WORKER_H_
