// Runs a scenario under a load model and returns everything it measured.
#ifndef LOADGATE_ENGINE_H_
#define LOADGATE_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "loadgate/load_model.h"
#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"

namespace loadgate {

// Conditions that end a run early. The report still covers everything
// measured up to then, with RunInfo::stop_reason saying why.
struct SafetyLimits {
  double max_error_rate = 0;  // 0 = off; judged over `error_window`
  std::chrono::nanoseconds error_window = std::chrono::seconds(10);
  uint64_t min_requests_in_window = 20;      // too few to judge below this
  std::chrono::nanoseconds max_duration{0};  // 0 = off (hard wall clock)
  double max_cost_usd = 0;                   // 0 = off; uses RunOptions::prices
};

// A live view of the run, delivered about once a second.
struct Progress {
  std::chrono::nanoseconds elapsed{0};
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t in_flight = 0;
  double current_rps = 0;  // completions over the last second
  // Latency (from the intended time) over the last complete second.
  int64_t p50_ns = 0, p95_ns = 0, p99_ns = 0;
  // Everything measured so far, by tag (the report's Metrics::tags, in its
  // order): each worker's statistics as of its latest once-a-second
  // hand-in (never older than the second this call reports), merged. So it
  // holds every request completed before the end of that second, grows
  // from call to call, and never exceeds the report. Set whenever
  // on_progress is; valid only during the call (the engine reuses it):
  // copy what you keep.
  const std::vector<TagStats>* tags = nullptr;
  TokenPrices prices;  // RunOptions::prices, to estimate the cost of `tags`
};

struct RunOptions {
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  uint64_t max_requests = 0;  // 0 = no cap
  // Event-loop threads; 0 = one per core. Never more than there are users
  // (closed) or max_in_flight slots (open).
  int threads = 0;
  // Closed loop at full speed (ClosedModel with no think time) uses this
  // many keep-alive connections per run, as wrk does: that many users, each
  // on its own connection, replacing ClosedModel::users; 0 =
  // ClosedModel::users.
  int connections = 0;
  // After `duration`, in-flight requests get this long to finish before
  // they are abandoned (and not counted). Multi-step iterations in progress
  // keep going until then; open-model arrivals due before the end that
  // were still waiting for a free slot are started too.
  std::chrono::nanoseconds graceful_stop = std::chrono::seconds(30);
  SafetyLimits limits;
  TokenPrices prices;
  uint64_t seed = 1;
  Shard shard;
  // When t = 0 is (wall clock): Run() waits until then, so the shards of a
  // test on several machines start together and their per-second series
  // line up (as well as the machines' clocks agree: that is NTP's job).
  // Default, or a time already past: at once. A stop request during the
  // wait ends the run before it starts (interrupted, nothing recorded).
  std::chrono::system_clock::time_point start_at;
  std::function<void(const Progress&)> on_progress;  // called off the workers
};

// Blocks until the run ends. Throws std::invalid_argument (with a message
// naming the field, e.g. "load.rate: expected a positive number") for an
// unusable scenario, model or options, and for a host that does not resolve.
// Connection failures during the run are recorded as errors, never thrown.
// RunInfo::actual_duration_ns is the load window: until the duration or an
// early stop, or until the last completion when closed users ran out of
// iterations or max_requests was reached first.
RunReport Run(const Scenario& scenario, const LoadModel& model,
              const RunOptions& options);

// Asks every running Run() to stop gracefully; async-signal-safe, so a
// SIGINT handler may call it. The interrupted run returns its report with
// stop_reason "interrupted".
void RequestStop() noexcept;

// Installs SIGINT/SIGTERM handlers that call RequestStop() (the CLI and the
// GoogleTest fixture use it so an interrupted run still writes its report).
void InstallStopSignalHandlers();

}  // namespace loadgate

#endif  // LOADGATE_ENGINE_H_
