// How much load a run offers: open models schedule arrivals at a rate,
// closed models run a number of virtual users.
#ifndef LOADGATE_LOAD_MODEL_H_
#define LOADGATE_LOAD_MODEL_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace loadgate {

// One stage of a ramping arrival rate: the rate moves linearly from the
// previous stage's target (or OpenModel::rate for the first) to `target_rps`
// over `duration`. RunOptions::duration still ends the run: stages beyond it
// are cut, and after the last stage its target rate holds.
struct Stage {
  std::chrono::nanoseconds duration{0};
  double target_rps = 0;
};

// Open model: iterations start at their scheduled times whether or not
// earlier ones finished, and latency counts from the scheduled time.
// Arrival k (from 0) is due when the integral of the rate reaches k: at
// k / rate for a constant rate. Poisson arrivals have exponential gaps with
// the same (possibly ramping) mean rate.
struct OpenModel {
  enum class Arrivals { kConstant, kPoisson };
  // Starting (or constant) rate, iterations/s; at most 10^7 per process.
  double rate = 0;
  std::vector<Stage> stages;  // empty: constant `rate` for the duration
  Arrivals arrivals = Arrivals::kConstant;
  // Cap on concurrent iterations (connections); arrivals beyond it wait in
  // a queue and their wait counts as latency (those still queued when the
  // run is abandoned count as not_sent). 0 = automatic:
  // AutomaticMaxInFlight(peak rate).
  int max_in_flight = 0;
};

// The in-flight cap of an OpenModel whose max_in_flight is 0, for a peak of
// `peak_rate` iterations/s: `seconds` of it, at least 64, at most 100000,
// and at most the open-file limit (RLIMIT_NOFILE) less 256, since each slot
// may hold a connection; past that a generator that fell behind would fail
// its own connects and report them as the service's connect errors.
int AutomaticMaxInFlight(double peak_rate, double seconds = 2);

// The arrivals `model` schedules in its first `seconds`: the integral of its
// rate over [0, seconds], fractional. Its mean target over a run is
// ScheduledArrivals(model, duration) / duration.
double ScheduledArrivals(const OpenModel& model, double seconds);

struct ThinkTime {
  enum class Kind { kNone, kConstant, kUniform, kGaussian, kExponential };
  Kind kind = Kind::kNone;
  // kConstant: value. kUniform: [min, max]. kGaussian: mean/stddev clamped
  // to [min, max]. kExponential: mean, clamped to max when max > 0.
  std::chrono::nanoseconds value{0}, mean{0}, stddev{0}, min{0}, max{0};

  static ThinkTime None();
  static ThinkTime Constant(std::chrono::nanoseconds value);
  static ThinkTime Uniform(std::chrono::nanoseconds min,
                           std::chrono::nanoseconds max);
  static ThinkTime Gaussian(std::chrono::nanoseconds mean,
                            std::chrono::nanoseconds stddev,
                            std::chrono::nanoseconds min,
                            std::chrono::nanoseconds max);
  static ThinkTime Exponential(std::chrono::nanoseconds mean,
                               std::chrono::nanoseconds max = {});
};

// Closed model: `users` virtual users, each running iterations back to back
// with think time in between (after each iteration, before the next). At
// the end of the duration, users stop starting iterations.
struct ClosedModel {
  int users = 1;
  double spawn_rate = 0;  // users started per second; 0 = all at once
  ThinkTime think;        // between one iteration of a user and its next
  int64_t iterations_per_user = 0;  // 0 = until the run ends
};

using LoadModel = std::variant<OpenModel, ClosedModel>;

struct Scenario;

// "constant 100 req/s", "closed 50 users, think 1000 ms", ...: the text
// RunInfo::load_model holds. An open model's rate counts iterations; the
// one-argument form calls them requests, the other says "iterations/s" when
// some flow of `scenario` has several steps (so an iteration is several
// requests).
std::string Describe(const LoadModel& model);
std::string Describe(const LoadModel& model, const Scenario& scenario);

}  // namespace loadgate

#endif  // LOADGATE_LOAD_MODEL_H_
