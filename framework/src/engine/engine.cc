// The load engine: Run() and its supervisor.
//
// Threading. A run has N worker threads (RunOptions::threads, default one
// per core) and the calling thread as supervisor. Each worker owns an epoll
// instance, a timerfd armed (absolute CLOCK_MONOTONIC, 1 us timer slack) for
// its next due event, a pool of sessions (in-flight iterations) and as many
// connections, a timer heap over its sessions, its own Recorder and RNG.
// Workers share nothing on the hot path: no locks, no allocation once the
// pools have grown, buffers reused. The supervisor wakes every 100 ms to
// check stop conditions and safety limits from the workers' relaxed atomic
// counters, and once a second merges the per-second time slots each worker
// publishes under a mutex (once a second, off the hot path) for on_progress.
// Stopping moves two shared deadlines earlier (no new iterations after
// load_end; in-flight work dropped at abandon) and pokes each worker's
// eventfd. At the end the Recorders are merged into one report.
//
// Load models. Open: arrival k is intended at the time the cumulative
// arrival integral reaches k (k / rate for a constant rate; see
// schedule.h) and goes to worker k mod N; Poisson arrivals are independent
// per-worker Poisson processes at rate / N. An arrival takes a free session
// (up to max_in_flight, split over workers) or waits until one frees up.
// Closed: users are split over workers, started at spawn_rate, and each
// loops over iterations with think time in between.
//
// No coordinated omission. In an open model every request's latency is
// measured from its intended time, not from when it was actually sent: if
// the server stalls, arrivals queue behind it and every queued request
// carries the wait in its latency (and in send_lag = latency - service
// time), instead of the load generator quietly sending fewer requests.
// Later steps of a flow are intended at the end of the previous step (plus
// the poll interval). Closed models have no schedule, so latency equals the
// service time there.
#include "loadgate/engine.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "engine/plan.h"
#include "engine/random.h"
#include "engine/schedule.h"
#include "engine/transport.h"
#include "engine/worker.h"

namespace loadgate {
namespace {

// Incremented by RequestStop(); a run stops when it changes after the run
// began (a second request during the graceful stop abandons in-flight work).
std::atomic<uint64_t> g_stop_requests{0};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "RequestStop must be async-signal-safe");

constexpr auto kSupervisorTick = std::chrono::milliseconds(100);

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

std::string Format(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

// Up to three decimals, without trailing zeros: "5", "2.5", "0.125".
std::string Trimmed(double value) {
  std::string text = Format(value, 3);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// "10 s", "1.5 s", "250 ms"
std::string FormatSeconds(int64_t ns) {
  if (ns < 1'000'000'000) return Trimmed(ns / 1e6) + " ms";
  return Trimmed(ns / 1e9) + " s";
}

std::string IsoUtc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

void ValidateThink(const ThinkTime& think) {
  using Kind = ThinkTime::Kind;
  auto non_negative = [](std::chrono::nanoseconds value, const char* field) {
    if (value.count() < 0) Invalid(field, "expected a duration >= 0");
  };
  switch (think.kind) {
    case Kind::kNone:
      break;
    case Kind::kConstant:
      non_negative(think.value, "load.think.value");
      break;
    case Kind::kUniform:
      non_negative(think.min, "load.think.min");
      if (think.max < think.min) Invalid("load.think.max", "expected >= min");
      break;
    case Kind::kGaussian:
      non_negative(think.mean, "load.think.mean");
      non_negative(think.stddev, "load.think.stddev");
      non_negative(think.min, "load.think.min");
      if (think.max.count() > 0 && think.max < think.min) {
        Invalid("load.think.max", "expected >= min");
      }
      break;
    case Kind::kExponential:
      non_negative(think.mean, "load.think.mean");
      non_negative(think.max, "load.think.max");
      break;
  }
}

void ValidateOptions(const RunOptions& options) {
  if (options.duration.count() <= 0) {
    Invalid("options.duration", "expected a positive duration");
  }
  if (options.threads < 0) Invalid("options.threads", "expected >= 0");
  if (options.connections < 0) Invalid("options.connections", "expected >= 0");
  if (options.graceful_stop.count() < 0) {
    Invalid("options.graceful_stop", "expected a duration >= 0");
  }
  const SafetyLimits& limits = options.limits;
  if (!(limits.max_error_rate >= 0 && limits.max_error_rate <= 1)) {
    Invalid("options.limits.max_error_rate", "expected a fraction in [0, 1]");
  }
  if (limits.max_error_rate > 0 && limits.error_window.count() <= 0) {
    Invalid("options.limits.error_window", "expected a positive duration");
  }
  if (limits.max_duration.count() < 0) {
    Invalid("options.limits.max_duration", "expected a duration >= 0");
  }
  if (!(limits.max_cost_usd >= 0)) {
    Invalid("options.limits.max_cost_usd", "expected a number >= 0");
  }
  if (!(options.prices.input_per_million >= 0) ||
      !(options.prices.output_per_million >= 0)) {
    Invalid("options.prices", "expected prices >= 0");
  }
}

// Beyond what one process can send: a larger test is split over shards.
// The bound also keeps a typo (1e300) from scheduling arrivals closer than a
// nanosecond, which no loop could work through.
constexpr double kMaxRate = 1e7;
constexpr double kDefaultMaxInFlight = 100'000;

void ValidateOpen(const OpenModel& open) {
  if (!std::isfinite(open.rate) || open.rate < 0 ||
      (open.stages.empty() && open.rate <= 0)) {
    Invalid("load.rate", "expected a positive number");
  }
  if (open.rate > kMaxRate) {
    Invalid("load.rate", "expected at most 10000000 req/s per process");
  }
  double peak = open.rate;
  for (size_t i = 0; i < open.stages.size(); ++i) {
    const Stage& stage = open.stages[i];
    const std::string field = "load.stages[" + std::to_string(i) + "]";
    if (stage.duration.count() <= 0) {
      Invalid(field + ".duration", "expected a positive duration");
    }
    if (!std::isfinite(stage.target_rps) || stage.target_rps < 0) {
      Invalid(field + ".target_rps", "expected a number >= 0");
    }
    if (stage.target_rps > kMaxRate) {
      Invalid(field + ".target_rps",
              "expected at most 10000000 req/s per process");
    }
    peak = std::max(peak, stage.target_rps);
  }
  if (peak <= 0) Invalid("load.stages", "expected a positive rate somewhere");
  if (open.max_in_flight < 0) Invalid("load.max_in_flight", "expected >= 0");
}

// Whether a closed model runs wrk-style: full speed over
// RunOptions::connections keep-alive connections, one user each.
bool FullSpeed(const ClosedModel& closed, const RunOptions& options) {
  return closed.think.kind == ThinkTime::Kind::kNone && options.connections > 0;
}

void ValidateClosed(const ClosedModel& closed, const RunOptions& options) {
  if (closed.users < 1 && !FullSpeed(closed, options)) {
    Invalid("load.users", "expected a positive number");
  }
  if (!std::isfinite(closed.spawn_rate) || closed.spawn_rate < 0) {
    Invalid("load.spawn_rate", "expected a number >= 0");
  }
  if (closed.iterations_per_user < 0) {
    Invalid("load.iterations_per_user", "expected >= 0");
  }
  ValidateThink(closed.think);
}

// Error counts over the last SafetyLimits::error_window, from snapshots of
// the cumulative counters taken at every supervisor tick.
class ErrorWindow {
 public:
  void Add(int64_t now_ns, uint64_t requests, uint64_t errors) {
    snapshots_.push_back({now_ns, requests, errors});
  }
  // Requests and errors completed in (now - window, now].
  std::pair<uint64_t, uint64_t> Over(int64_t window_ns) {
    const Snapshot& last = snapshots_.back();
    while (snapshots_.size() > 1 &&
           snapshots_[1].time_ns <= last.time_ns - window_ns) {
      snapshots_.pop_front();
    }
    const Snapshot& first = snapshots_.front();
    return {last.requests - first.requests, last.errors - first.errors};
  }

 private:
  struct Snapshot {
    int64_t time_ns;
    uint64_t requests;
    uint64_t errors;
  };
  std::deque<Snapshot> snapshots_{{0, 0, 0}};
};

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

RunReport Run(const Scenario& scenario, const LoadModel& model,
              const RunOptions& options) {
  ValidateOptions(options);
  const auto* open = std::get_if<OpenModel>(&model);
  const auto* closed = std::get_if<ClosedModel>(&model);
  if (open != nullptr) ValidateOpen(*open);
  if (closed != nullptr) ValidateClosed(*closed, options);
  const engine::Plan plan = engine::CompilePlan(scenario);
  std::unique_ptr<engine::TlsContext> tls;
  if (plan.any_tls) {
    tls =
        std::make_unique<engine::TlsContext>(plan.verify_tls, plan.tls_ca_pem);
  }

  const int64_t duration_ns = options.duration.count();
  int threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::optional<engine::ArrivalSchedule> schedule;
  int max_in_flight = 0;
  int users = 0;
  if (open != nullptr) {
    schedule.emplace(*open);
    // Generous by default: two seconds of the peak rate in flight, at most
    // kDefaultMaxInFlight (each slot may hold a session and a connection).
    max_in_flight =
        open->max_in_flight > 0
            ? open->max_in_flight
            : static_cast<int>(std::min(
                  kDefaultMaxInFlight,
                  std::max(64.0, std::ceil(schedule->peak_rate() * 2))));
    threads = std::min(threads, max_in_flight);
  } else {
    users = FullSpeed(*closed, options) ? options.connections : closed->users;
    threads = std::min(threads, users);
  }

  engine::RunControl control;
  control.max_requests = options.max_requests;
  control.data_rows =
      std::make_unique<std::atomic<uint64_t>[]>(plan.data.size() + 1);
  for (size_t d = 0; d <= plan.data.size(); ++d) control.data_rows[d] = 0;
  control.load_end_ns = duration_ns;
  control.abandon_ns = duration_ns + options.graceful_stop.count();

  std::mutex finished_mutex;
  std::condition_variable finished_cv;
  int finished_workers = 0;

  engine::Rng seeder(options.seed);
  std::vector<std::unique_ptr<engine::Worker>> workers;
  for (int w = 0; w < threads; ++w) {
    engine::WorkerSetup setup;
    setup.index = w;
    setup.plan = &plan;
    setup.tls = tls.get();
    setup.control = &control;
    setup.seed = seeder.Next();
    setup.expected_duration_s = duration_ns / 1'000'000'000 + 1;
    setup.workers = threads;
    if (open != nullptr) {
      setup.schedule = &*schedule;
      setup.arrivals = open->arrivals;
      setup.max_in_flight =
          max_in_flight / threads + (w < max_in_flight % threads);
    } else {
      setup.closed = true;
      setup.think = closed->think;
      setup.iterations_per_user = closed->iterations_per_user;
      for (int u = w; u < users; u += threads) {
        setup.user_start_ns.push_back(
            closed->spawn_rate > 0 ? std::llround(u / closed->spawn_rate * 1e9)
                                   : 0);
      }
    }
    setup.on_finished = [&] {
      std::lock_guard lock(finished_mutex);
      ++finished_workers;
      finished_cv.notify_all();
    };
    workers.push_back(std::make_unique<engine::Worker>(std::move(setup)));
  }

  const uint64_t stop_requests_at_start =
      g_stop_requests.load(std::memory_order_relaxed);
  // t = 0 a little ahead, so the first arrivals are not late merely because
  // the threads were still starting.
  constexpr int64_t kStartDelayNs = 2'000'000;
  control.start_monotonic_ns = engine::MonotonicNs() + kStartDelayNs;
  const auto started_at = std::chrono::system_clock::now() +
                          std::chrono::nanoseconds(kStartDelayNs);
  // An exception escaping a worker is an engine bug; it ends the run and
  // Run() rethrows it rather than terminating the process.
  std::string worker_failure;
  std::vector<std::thread> worker_threads;
  std::string stop_reason;
  int64_t load_end = duration_ns;
  auto stop = [&](int64_t now, int64_t abandon_at, std::string reason) {
    if (stop_reason.empty()) stop_reason = std::move(reason);
    load_end = std::min(load_end, now);
    control.load_end_ns.store(load_end);
    if (abandon_at < control.abandon_ns.load()) {
      control.abandon_ns.store(abandon_at);
    }
    for (auto& worker : workers) worker->Wake();
  };
  // If supervision throws (an on_progress callback may), the workers are
  // stopped and joined before the exception leaves Run().
  struct JoinOnExit {
    std::vector<std::thread>& threads;
    std::function<void()> abandon;
    ~JoinOnExit() {
      bool running = false;
      for (auto& thread : threads) running = running || thread.joinable();
      if (running) abandon();
      for (auto& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    }
  } join_on_exit{worker_threads, [&] {
                   const int64_t now =
                       engine::MonotonicNs() - control.start_monotonic_ns;
                   stop(now, now, "aborted");
                 }};

  for (auto& worker : workers) {
    worker_threads.emplace_back([&, worker = worker.get()] {
      try {
        worker->Run();
      } catch (const std::exception& error) {
        std::lock_guard lock(finished_mutex);
        if (worker_failure.empty()) worker_failure = error.what();
        ++finished_workers;
        finished_cv.notify_all();
      }
    });
  }

  ErrorWindow error_window;
  int64_t next_progress_second = 1;
  const SafetyLimits& limits = options.limits;
  while (true) {
    {
      std::unique_lock lock(finished_mutex);
      finished_cv.wait_for(lock, kSupervisorTick, [&] {
        return finished_workers == static_cast<int>(workers.size());
      });
      if (finished_workers == static_cast<int>(workers.size())) break;
    }
    const int64_t now = engine::MonotonicNs() - control.start_monotonic_ns;
    {
      std::lock_guard lock(finished_mutex);
      if (!worker_failure.empty()) stop(now, now, "engine failure");
    }
    uint64_t requests = 0, errors = 0, in_flight = 0, prompt = 0, output = 0;
    for (const auto& worker : workers) {
      const engine::WorkerCounters& counters = worker->counters();
      requests += counters.requests.load(std::memory_order_relaxed);
      errors += counters.errors.load(std::memory_order_relaxed);
      in_flight += counters.in_flight.load(std::memory_order_relaxed);
      prompt += counters.prompt_tokens.load(std::memory_order_relaxed);
      output += counters.output_tokens.load(std::memory_order_relaxed);
    }

    const uint64_t stop_requests =
        g_stop_requests.load(std::memory_order_relaxed) -
        stop_requests_at_start;
    if (stop_requests >= 2) {
      stop(now, now, std::string(kStopReasonInterrupted));
    } else if (stop_requests == 1 && now < load_end) {
      stop(now, now + options.graceful_stop.count(),
           std::string(kStopReasonInterrupted));
    }
    if (limits.max_duration.count() > 0 && now >= limits.max_duration.count()) {
      stop(now, now,
           "max duration " + FormatSeconds(limits.max_duration.count()) +
               " reached");
    }
    error_window.Add(now, requests, errors);
    if (limits.max_error_rate > 0 && now < load_end) {
      const auto [window_requests, window_errors] =
          error_window.Over(limits.error_window.count());
      if (window_requests >=
          std::max<uint64_t>(1, limits.min_requests_in_window)) {
        const double rate =
            static_cast<double>(window_errors) / window_requests;
        if (rate > limits.max_error_rate) {
          stop(now, now + options.graceful_stop.count(),
               "max error rate " + Format(rate * 100, 1) + " % over " +
                   FormatSeconds(limits.error_window.count()) + " > " +
                   Trimmed(limits.max_error_rate * 100) + " %");
        }
      }
    }
    if (limits.max_cost_usd > 0 && now < load_end) {
      const double cost = prompt * options.prices.input_per_million / 1e6 +
                          output * options.prices.output_per_million / 1e6;
      if (cost >= limits.max_cost_usd) {
        stop(now, now + options.graceful_stop.count(),
             "max cost $" + Format(limits.max_cost_usd, 2) +
                 " reached (estimated $" + Format(cost, 2) + ")");
      }
    }

    // Progress for the last complete second, once every worker published it
    // (or finished).
    if (options.on_progress && now >= next_progress_second * 1'000'000'000) {
      const int64_t second = next_progress_second - 1;
      TimeSlot slot;
      slot.second = second;
      bool complete = true;
      for (const auto& worker : workers) {
        if (!worker->MergePublishedSecond(second, slot) &&
            !worker->counters().finished.load(std::memory_order_acquire)) {
          complete = false;
        }
      }
      if (complete) {
        next_progress_second = now / 1'000'000'000 + 1;
        Progress progress;
        progress.elapsed = std::chrono::nanoseconds(now);
        progress.requests = requests;
        progress.errors = errors;
        progress.in_flight = in_flight;
        progress.current_rps = static_cast<double>(slot.requests);
        progress.p50_ns = slot.latency.Percentile(50);
        progress.p95_ns = slot.latency.Percentile(95);
        progress.p99_ns = slot.latency.Percentile(99);
        options.on_progress(progress);
      }
    }
  }
  for (auto& thread : worker_threads) thread.join();
  if (!worker_failure.empty()) {
    throw std::runtime_error("loadgate engine worker failed: " +
                             worker_failure);
  }

  RunReport report;
  int64_t last_finish = 0;
  for (size_t w = 0; w < workers.size(); ++w) {
    if (w == 0) {
      report.metrics = workers[w]->recorder().metrics();
    } else {
      report.metrics.Merge(workers[w]->recorder().metrics());
    }
    last_finish =
        std::max(last_finish, workers[w]->counters().finished_ns.load());
  }
  RunInfo& info = report.info;
  info.name = scenario.name;
  info.load_model = Describe(model);
  // An open model schedules iterations. With multi-step flows an iteration
  // is several requests, so its rate is no request-rate target: the model
  // says "iterations/s" and target_rps stays 0, rather than comparing
  // achieved requests/s with iterations/s.
  const bool iterations_are_requests =
      std::all_of(scenario.flows.begin(), scenario.flows.end(),
                  [](const Flow& flow) { return flow.steps.size() == 1; });
  if (open != nullptr && iterations_are_requests) {
    info.target_rps =
        schedule->ArrivalsBy(static_cast<double>(duration_ns) * 1e-9) /
        (static_cast<double>(duration_ns) * 1e-9);
  } else if (open != nullptr) {
    for (size_t at = info.load_model.find(" req/s"); at != std::string::npos;
         at = info.load_model.find(" req/s", at)) {
      info.load_model.replace(at, 6, " iterations/s");
    }
  } else {
    info.users = users;
  }
  info.planned_duration_ns = duration_ns;
  // The load window: until the load stopped (as planned or early). Closed
  // users that ran out of iterations, or a max_requests budget, can end it
  // sooner, at the last completion; an open schedule always spans its
  // window (its last arrival is due just before the end).
  const bool budget_spent =
      control.max_requests > 0 &&
      control.requests_started.load() >= control.max_requests;
  info.actual_duration_ns = std::max<int64_t>(
      1, open != nullptr && !budget_spent ? load_end
                                          : std::min(load_end, last_finish));
  info.started_at = IsoUtc(started_at);
  info.stop_reason = stop_reason;
  info.prices = options.prices;
  return report;
}

}  // namespace loadgate
