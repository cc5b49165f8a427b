// The calling thread's part of a run: it starts the workers' threads, wakes
// every 100 ms to act on stop requests and safety limits, hands on_progress
// each completed second (with the per-tag statistics so far), and joins the
// threads. See engine.cc for the
// overall design.
#ifndef LOADGATE_ENGINE_SUPERVISOR_H_
#define LOADGATE_ENGINE_SUPERVISOR_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/worker.h"
#include "loadgate/engine.h"

namespace loadgate::engine {

// Error counts over the last SafetyLimits::error_window, from snapshots of
// the cumulative counters taken at every supervisor tick.
class ErrorWindow {
 public:
  void Add(int64_t now_ns, uint64_t requests, uint64_t errors);
  // Requests and errors completed in (now - window, now].
  std::pair<uint64_t, uint64_t> Over(int64_t window_ns);

 private:
  struct Snapshot {
    int64_t time_ns;
    uint64_t requests;
    uint64_t errors;
  };
  std::deque<Snapshot> snapshots_{{0, 0, 0}};
};

class Supervisor {
 public:
  // `options` and `control` outlive the supervisor.
  Supervisor(const RunOptions& options, RunControl& control);

  // For WorkerSetup::on_finished: called by each worker's thread when done.
  void OnWorkerFinished();

  // Sets t = 0, runs `workers` on threads of their own until every one has
  // finished, and joins them. Throws std::runtime_error when an exception
  // escaped a worker (an engine bug), and lets one thrown by on_progress
  // through; either way the workers are stopped and joined first.
  void Run(const std::vector<std::unique_ptr<Worker>>& workers);

  // After Run(): the wall-clock time of t = 0; when the load stopped (the
  // planned duration, or earlier), ns since t = 0; why it stopped early
  // (empty when it did not).
  std::chrono::system_clock::time_point started_at() const {
    return started_at_;
  }
  int64_t load_end_ns() const { return load_end_ns_; }
  const std::string& stop_reason() const { return stop_reason_; }

 private:
  // The workers' live counters summed at one tick.
  struct Totals {
    uint64_t requests = 0;
    uint64_t errors = 0;
    uint64_t in_flight = 0;
    uint64_t prompt_tokens = 0;
    uint64_t output_tokens = 0;
  };

  // Sleeps until RunOptions::start_at (less the start delay) or a stop
  // request, whichever comes first.
  void WaitForStartTime() const;
  int64_t Elapsed() const;
  void StartThreads();
  // Waits up to one tick; true once every worker has finished.
  bool WaitForWorkers();
  void Tick(int64_t now);
  Totals SumCounters() const;
  void ApplyStopRequests(int64_t now);
  void ApplyMaxDuration(int64_t now);
  void ApplyMaxErrorRate(int64_t now, const Totals& totals);
  void ApplyMaxCost(int64_t now, const Totals& totals);
  void ReportProgress(int64_t now, const Totals& totals);
  // Brings tags_ up to date with what the workers published: a tag is
  // merged again only when some worker's copy of it changed.
  void MergeWorkerTags();
  // Ends the load at `now` (no new iterations) and drops in-flight work at
  // `abandon_at`; the first reason given is the one reported.
  void Stop(int64_t now, int64_t abandon_at, std::string reason);
  // Stops what still runs (an exception is leaving Run()) and joins every
  // thread.
  void AbortAndJoin();

  const RunOptions& options_;
  RunControl& control_;
  const std::vector<std::unique_ptr<Worker>>* workers_ = nullptr;
  std::vector<std::thread> threads_;
  uint64_t stop_requests_at_start_ = 0;
  std::chrono::system_clock::time_point started_at_;
  int64_t load_end_ns_;
  std::string stop_reason_;
  ErrorWindow error_window_;
  int64_t next_progress_second_ = 1;
  // Progress::tags (only with on_progress), and per tag the workers'
  // activity summed when it was last merged.
  std::vector<TagStats> tags_;
  std::vector<uint64_t> tags_activity_;
  std::vector<uint64_t> activity_scratch_;
  std::vector<bool> changed_scratch_;

  std::mutex finished_mutex_;
  std::condition_variable finished_cv_;
  int finished_workers_ = 0;    // guarded by finished_mutex_
  std::string worker_failure_;  // guarded by finished_mutex_
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_SUPERVISOR_H_
