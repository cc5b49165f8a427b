#include "engine/supervisor.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "loadgate/format.h"

namespace loadgate {
namespace {

// Incremented by RequestStop(); a run stops when it changes after the run
// began (a second request during the graceful stop abandons in-flight work).
std::atomic<uint64_t> g_stop_requests{0};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "RequestStop must be async-signal-safe");

constexpr auto kSupervisorTick = std::chrono::milliseconds(100);
// t = 0 a little ahead, so the first arrivals are not late merely because
// the threads were still starting.
constexpr int64_t kStartDelayNs = 2'000'000;

}  // namespace

void RequestStop() noexcept {
  g_stop_requests.fetch_add(1, std::memory_order_relaxed);
}

void InstallStopSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = [](int) { RequestStop(); };
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

namespace engine {

void ErrorWindow::Add(int64_t now_ns, uint64_t requests, uint64_t errors) {
  snapshots_.push_back({now_ns, requests, errors});
}

std::pair<uint64_t, uint64_t> ErrorWindow::Over(int64_t window_ns) {
  const Snapshot& last = snapshots_.back();
  while (snapshots_.size() > 1 &&
         snapshots_[1].time_ns <= last.time_ns - window_ns) {
    snapshots_.pop_front();
  }
  const Snapshot& first = snapshots_.front();
  return {last.requests - first.requests, last.errors - first.errors};
}

Supervisor::Supervisor(const RunOptions& options, RunControl& control)
    : options_(options),
      control_(control),
      load_end_ns_(options.duration.count()) {}

void Supervisor::OnWorkerFinished() {
  std::lock_guard lock(finished_mutex_);
  ++finished_workers_;
  finished_cv_.notify_all();
}

void Supervisor::Run(const std::vector<std::unique_ptr<Worker>>& workers) {
  workers_ = &workers;
  stop_requests_at_start_ = g_stop_requests.load(std::memory_order_relaxed);
  WaitForStartTime();
  control_.start_monotonic_ns = MonotonicNs() + kStartDelayNs;
  // Interrupted while waiting: the run ends before its first arrival.
  ApplyStopRequests(0);
  started_at_ = std::chrono::system_clock::now() +
                std::chrono::nanoseconds(kStartDelayNs);
  // If supervision throws (an on_progress callback may), the workers are
  // stopped and joined before the exception leaves Run().
  struct JoinOnExit {
    Supervisor& supervisor;
    ~JoinOnExit() { supervisor.AbortAndJoin(); }
  } join_on_exit{*this};
  // Progress::tags: copied by the workers only when someone reads them.
  if (options_.on_progress && !workers.empty()) {
    for (const auto& worker : workers) worker->EnableTagPublication();
    tags_ = workers.front()->recorder().metrics().tags;  // empty, named
    tags_activity_.assign(tags_.size(), 0);
  }
  StartThreads();
  while (!WaitForWorkers()) Tick(Elapsed());
  for (std::thread& thread : threads_) thread.join();
  std::lock_guard lock(finished_mutex_);
  if (!worker_failure_.empty()) {
    throw std::runtime_error("loadgate engine worker failed: " +
                             worker_failure_);
  }
}

void Supervisor::WaitForStartTime() const {
  const auto start =
      options_.start_at - std::chrono::nanoseconds(kStartDelayNs);
  while (g_stop_requests.load(std::memory_order_relaxed) ==
         stop_requests_at_start_) {
    const auto remaining = start - std::chrono::system_clock::now();
    if (remaining <= std::chrono::nanoseconds::zero()) return;
    // In slices, so that a stop request ends the wait promptly.
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(remaining, kSupervisorTick));
  }
}

int64_t Supervisor::Elapsed() const {
  return MonotonicNs() - control_.start_monotonic_ns;
}

void Supervisor::StartThreads() {
  for (const auto& worker : *workers_) {
    threads_.emplace_back([this, worker = worker.get()] {
      // An exception escaping a worker is an engine bug; it ends the run and
      // Run() rethrows it rather than terminating the process.
      try {
        worker->Run();
      } catch (const std::exception& error) {
        std::lock_guard lock(finished_mutex_);
        if (worker_failure_.empty()) worker_failure_ = error.what();
        ++finished_workers_;
        finished_cv_.notify_all();
      }
    });
  }
}

bool Supervisor::WaitForWorkers() {
  std::unique_lock lock(finished_mutex_);
  return finished_cv_.wait_for(lock, kSupervisorTick, [&] {
    return finished_workers_ == static_cast<int>(workers_->size());
  });
}

void Supervisor::Tick(int64_t now) {
  bool failed;
  {
    std::lock_guard lock(finished_mutex_);
    failed = !worker_failure_.empty();
  }
  if (failed) Stop(now, now, "engine failure");
  const Totals totals = SumCounters();
  ApplyStopRequests(now);
  ApplyMaxDuration(now);
  ApplyMaxErrorRate(now, totals);
  ApplyMaxCost(now, totals);
  ReportProgress(now, totals);
}

Supervisor::Totals Supervisor::SumCounters() const {
  Totals totals;
  for (const auto& worker : *workers_) {
    const WorkerCounters& counters = worker->counters();
    totals.requests += counters.requests.load(std::memory_order_relaxed);
    totals.errors += counters.errors.load(std::memory_order_relaxed);
    totals.in_flight += counters.in_flight.load(std::memory_order_relaxed);
    totals.prompt_tokens +=
        counters.prompt_tokens.load(std::memory_order_relaxed);
    totals.output_tokens +=
        counters.output_tokens.load(std::memory_order_relaxed);
  }
  return totals;
}

void Supervisor::ApplyStopRequests(int64_t now) {
  const uint64_t stop_requests =
      g_stop_requests.load(std::memory_order_relaxed) - stop_requests_at_start_;
  if (stop_requests >= 2) {
    Stop(now, now, std::string(kStopReasonInterrupted));
  } else if (stop_requests == 1 && now < load_end_ns_) {
    Stop(now, now + options_.graceful_stop.count(),
         std::string(kStopReasonInterrupted));
  }
}

void Supervisor::ApplyMaxDuration(int64_t now) {
  const std::chrono::nanoseconds max_duration = options_.limits.max_duration;
  if (max_duration.count() > 0 && now >= max_duration.count()) {
    Stop(now, now, "max duration " + FormatDuration(max_duration) + " reached");
  }
}

void Supervisor::ApplyMaxErrorRate(int64_t now, const Totals& totals) {
  const SafetyLimits& limits = options_.limits;
  error_window_.Add(now, totals.requests, totals.errors);
  if (limits.max_error_rate <= 0 || now >= load_end_ns_) return;
  const auto [requests, errors] =
      error_window_.Over(limits.error_window.count());
  if (requests < std::max<uint64_t>(1, limits.min_requests_in_window)) return;
  const double rate = static_cast<double>(errors) / requests;
  if (rate > limits.max_error_rate) {
    Stop(now, now + options_.graceful_stop.count(),
         "max error rate " + FormatFixed(rate * 100, 1) + " % over " +
             FormatDuration(limits.error_window) + " > " +
             FormatPercent(limits.max_error_rate, 3));
  }
}

void Supervisor::ApplyMaxCost(int64_t now, const Totals& totals) {
  const double max_cost = options_.limits.max_cost_usd;
  if (max_cost <= 0 || now >= load_end_ns_) return;
  const TokenPrices& prices = options_.prices;
  const double cost = totals.prompt_tokens * prices.input_per_million / 1e6 +
                      totals.output_tokens * prices.output_per_million / 1e6;
  if (cost >= max_cost) {
    Stop(now, now + options_.graceful_stop.count(),
         "max cost " + FormatUsd(max_cost) + " reached (estimated " +
             FormatUsd(cost) + ")");
  }
}

// Progress for the last complete second, once every worker published it (or
// finished).
void Supervisor::ReportProgress(int64_t now, const Totals& totals) {
  if (!options_.on_progress || now < next_progress_second_ * kSecondNs) return;
  TimeSlot slot;
  slot.second = next_progress_second_ - 1;
  for (const auto& worker : *workers_) {
    if (!worker->MergePublishedSecond(slot.second, slot) &&
        !worker->counters().finished.load(std::memory_order_acquire)) {
      return;  // not complete yet: the next tick tries again
    }
  }
  next_progress_second_ = now / kSecondNs + 1;
  Progress progress;
  progress.elapsed = std::chrono::nanoseconds(now);
  progress.requests = totals.requests;
  progress.errors = totals.errors;
  progress.in_flight = totals.in_flight;
  progress.current_rps = static_cast<double>(slot.requests);
  progress.p50_ns = slot.latency.Percentile(50);
  progress.p95_ns = slot.latency.Percentile(95);
  progress.p99_ns = slot.latency.Percentile(99);
  MergeWorkerTags();
  progress.tags = &tags_;
  progress.prices = options_.prices;
  options_.on_progress(progress);
}

void Supervisor::MergeWorkerTags() {
  activity_scratch_.assign(tags_.size(), 0);
  for (const auto& worker : *workers_) {
    worker->AddPublishedActivity(activity_scratch_);
  }
  // Each worker's activity only grows, so an unchanged sum means no worker
  // published anything new for the tag.
  changed_scratch_.assign(tags_.size(), false);
  bool any = false;
  for (size_t t = 0; t < tags_.size(); ++t) {
    changed_scratch_[t] = activity_scratch_[t] != tags_activity_[t];
    any = any || changed_scratch_[t];
  }
  if (!any) return;
  bool replace = true;
  for (const auto& worker : *workers_) {
    worker->MergePublishedTags(changed_scratch_, replace, tags_);
    replace = false;
  }
  // A worker that published between the two passes only makes the next
  // merge of its tags happen sooner.
  for (size_t t = 0; t < tags_.size(); ++t) {
    if (changed_scratch_[t]) tags_activity_[t] = activity_scratch_[t];
  }
}

void Supervisor::Stop(int64_t now, int64_t abandon_at, std::string reason) {
  if (stop_reason_.empty()) stop_reason_ = std::move(reason);
  load_end_ns_ = std::min(load_end_ns_, now);
  control_.load_end_ns.store(load_end_ns_);
  if (abandon_at < control_.abandon_ns.load()) {
    control_.abandon_ns.store(abandon_at);
  }
  for (const auto& worker : *workers_) worker->Wake();
}

void Supervisor::AbortAndJoin() {
  const bool running =
      std::any_of(threads_.begin(), threads_.end(),
                  [](const std::thread& thread) { return thread.joinable(); });
  if (running) {
    const int64_t now = Elapsed();
    Stop(now, now, "aborted");
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace engine
}  // namespace loadgate
