// The load engine: Run() validates, compiles the scenario into a plan, lays
// the run out over worker threads (worker.h), hands it to the supervisor
// (supervisor.h) and assembles the report.
//
// The pieces of framework/src/engine/: run_validation (what Run() checks
// first), plan (the scenario compiled: templates, checks, resolved origins),
// schedule (arrival times and think times), supervisor (the calling
// thread's part), worker (one event-loop thread; its inside in
// worker_loop.h, worker.cc and worker_exchange.cc), connection_pool,
// transport (TCP and TLS bytes), stream_meter (streams, chunks, tokens),
// response_checks (checks and captures on a response), template,
// timer_heap, random; scenario.cc holds the public value types of
// scenario.h and load_model.h.
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
// arrival integral reaches k (k / rate for a constant rate; for Poisson
// arrivals k is a unit-rate Poisson process's time; see schedule.h) and goes
// to worker k mod N. An arrival takes a free session (up to max_in_flight,
// split over workers) or waits until one frees up. Closed: users are split
// over workers, started at spawn_rate, and each loops over iterations with
// think time in between. A shard (RunOptions::shard, shard.h) runs only its
// share of arrivals, users, slots and data rows of the whole test.
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

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>

#include "engine/plan.h"
#include "engine/random.h"
#include "engine/run_validation.h"
#include "engine/schedule.h"
#include "engine/shard.h"
#include "engine/supervisor.h"
#include "engine/test_identity.h"
#include "engine/transport.h"
#include "engine/worker.h"

namespace loadgate {
namespace {

std::string IsoUtc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// How a run is spread over its worker threads.
struct Layout {
  Shard shard;
  int threads = 1;
  const OpenModel* open = nullptr;  // exactly one of open and closed is set
  std::optional<engine::ArrivalSchedule> schedule;  // open
  int max_in_flight = 0;                            // open, over all workers
  const ClosedModel* closed = nullptr;
  int users = 0;  // closed: this shard's share
};

Layout LayOut(const LoadModel& model, const RunOptions& options) {
  Layout layout;
  layout.shard = options.shard;
  layout.threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  layout.open = std::get_if<OpenModel>(&model);
  if (layout.open != nullptr) {
    const engine::ArrivalSchedule& schedule =
        layout.schedule.emplace(*layout.open);
    // Generous by default: two seconds of the shard's peak rate in flight.
    layout.max_in_flight =
        layout.open->max_in_flight > 0
            ? static_cast<int>(
                  engine::ShareOf(layout.open->max_in_flight, layout.shard))
            : AutomaticMaxInFlight(schedule.peak_rate() / layout.shard.count);
    layout.threads = std::min(layout.threads, layout.max_in_flight);
  } else {
    layout.closed = &std::get<ClosedModel>(model);
    layout.users = static_cast<int>(engine::ShareOf(
        engine::FullSpeed(*layout.closed, options) ? options.connections
                                                   : layout.closed->users,
        layout.shard));
    layout.threads = std::min(layout.threads, layout.users);
  }
  return layout;
}

void InitControl(engine::RunControl& control, const engine::Plan& plan,
                 const RunOptions& options) {
  control.max_requests = engine::ShareOf(
      static_cast<int64_t>(options.max_requests), options.shard);
  control.sequences =
      std::make_unique<std::atomic<uint64_t>[]>(plan.sequences + 1);
  for (size_t i = 0; i <= plan.sequences; ++i) control.sequences[i] = 0;
  control.load_end_ns = options.duration.count();
  control.abandon_ns = options.duration.count() + options.graceful_stop.count();
}

// Worker w's share of the shard's load: its lane of an open model's
// arrivals and its part of the in-flight cap, or every threads-th user of a
// closed model, each started at its time in the whole test.
void AssignLoad(const Layout& layout, engine::WorkerSetup& setup) {
  const int w = setup.index;
  if (layout.open != nullptr) {
    setup.schedule = &*layout.schedule;
    setup.arrivals = layout.open->arrivals;
    setup.lane = engine::LaneOf(layout.shard, w, layout.threads);
    setup.max_in_flight = layout.max_in_flight / layout.threads +
                          (w < layout.max_in_flight % layout.threads);
    return;
  }
  const ClosedModel& closed = *layout.closed;
  setup.closed = true;
  setup.think = closed.think;
  setup.iterations_per_user = closed.iterations_per_user;
  for (int u = w; u < layout.users; u += layout.threads) {
    const double user =
        static_cast<double>(engine::GlobalIndex(u, layout.shard));
    setup.user_start_ns.push_back(
        closed.spawn_rate > 0 ? std::llround(user / closed.spawn_rate * 1e9)
                              : 0);
  }
}

std::vector<std::unique_ptr<engine::Worker>> MakeWorkers(
    const Layout& layout, const engine::Plan& plan,
    const engine::TlsContext* tls, engine::RunControl& control,
    const RunOptions& options, engine::Supervisor& supervisor) {
  // Each shard's workers draw their own streams (think times, flows,
  // random rows); the arrivals' stream is the whole test's, shared.
  uint64_t shard_seed =
      options.seed +
      static_cast<uint64_t>(options.shard.index) * 0x9e3779b97f4a7c15ULL;
  engine::Rng seeder(shard_seed);
  uint64_t arrival_seed = options.seed ^ 0x5bd1e995a1b2c3d4ULL;
  arrival_seed = engine::SplitMix64(arrival_seed);
  std::vector<std::unique_ptr<engine::Worker>> workers;
  for (int w = 0; w < layout.threads; ++w) {
    engine::WorkerSetup setup;
    setup.index = w;
    setup.plan = &plan;
    setup.tls = tls;
    setup.control = &control;
    setup.seed = seeder.Next();
    setup.shard = options.shard;
    setup.expected_duration_s = options.duration.count() / 1'000'000'000 + 1;
    setup.arrival_seed = arrival_seed;
    AssignLoad(layout, setup);
    setup.on_finished = [&supervisor] { supervisor.OnWorkerFinished(); };
    workers.push_back(std::make_unique<engine::Worker>(std::move(setup)));
  }
  return workers;
}

Metrics MergedMetrics(
    const std::vector<std::unique_ptr<engine::Worker>>& workers) {
  Metrics metrics = workers.front()->recorder().metrics();
  for (size_t w = 1; w < workers.size(); ++w) {
    metrics.Merge(workers[w]->recorder().metrics());
  }
  return metrics;
}

RunInfo BuildRunInfo(
    const Scenario& scenario, const LoadModel& model, const Layout& layout,
    const RunOptions& options, const engine::RunControl& control,
    const engine::Supervisor& supervisor,
    const std::vector<std::unique_ptr<engine::Worker>>& workers) {
  RunInfo info;
  info.name = scenario.name;
  info.load_model = Describe(model, scenario);
  const int64_t duration_ns = options.duration.count();
  const double duration_s = static_cast<double>(duration_ns) * 1e-9;
  // An open model schedules iterations. With multi-step flows an iteration
  // is several requests, so its rate is no request-rate target: target_rps
  // stays 0 (the model's description says "iterations/s"), rather than
  // comparing achieved requests/s with iterations/s.
  if (layout.open != nullptr && engine::IterationsAreRequests(scenario)) {
    // A shard's target is its share of the whole test's schedule.
    info.target_rps = layout.schedule->ArrivalsBy(duration_s) / duration_s /
                      layout.shard.count;
  } else if (layout.closed != nullptr) {
    info.users = layout.users;
  }
  info.planned_duration_ns = duration_ns;
  // The load window: until the load stopped (as planned or early). Closed
  // users that ran out of iterations, or a max_requests budget, can end it
  // sooner, at the last completion; an open schedule always spans its
  // window (its last arrival is due just before the end).
  int64_t last_finish = 0;
  for (const auto& worker : workers) {
    last_finish = std::max(last_finish, worker->counters().finished_ns.load());
  }
  const bool budget_spent =
      control.max_requests > 0 &&
      control.requests_started.load() >= control.max_requests;
  const int64_t load_end = supervisor.load_end_ns();
  info.actual_duration_ns =
      std::max<int64_t>(1, layout.open != nullptr && !budget_spent
                               ? load_end
                               : std::min(load_end, last_finish));
  info.started_at = IsoUtc(supervisor.started_at());
  info.stop_reason = supervisor.stop_reason();
  info.prices = options.prices;
  info.shard = options.shard;
  if (options.shard.count > 1) {
    info.test_id = engine::TestIdentity(scenario, model, options);
  }
  return info;
}

}  // namespace

RunReport Run(const Scenario& scenario, const LoadModel& model,
              const RunOptions& options) {
  engine::ValidateRun(scenario, model, options);
  const engine::Plan plan = engine::CompilePlan(scenario);
  std::unique_ptr<engine::TlsContext> tls;
  if (plan.any_tls) {
    tls =
        std::make_unique<engine::TlsContext>(plan.verify_tls, plan.tls_ca_pem);
  }
  const Layout layout = LayOut(model, options);
  engine::RunControl control;
  InitControl(control, plan, options);
  engine::Supervisor supervisor(options, control);
  const std::vector<std::unique_ptr<engine::Worker>> workers =
      MakeWorkers(layout, plan, tls.get(), control, options, supervisor);
  supervisor.Run(workers);

  RunReport report;
  report.metrics = MergedMetrics(workers);
  report.info = BuildRunInfo(scenario, model, layout, options, control,
                             supervisor, workers);
  return report;
}

}  // namespace loadgate
