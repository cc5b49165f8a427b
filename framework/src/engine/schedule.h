// Pure scheduling functions of the load models: when open-model arrivals
// are due, and how long a closed-model user thinks. No I/O, no clocks, so
// they are unit-tested for accuracy on their own.
#ifndef LOADGATE_ENGINE_SCHEDULE_H_
#define LOADGATE_ENGINE_SCHEDULE_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/random.h"
#include "loadgate/load_model.h"

namespace loadgate::engine {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// The arrival rate of an open model over time, r(t), piecewise linear: the
// stages in order, then the last stage's target held for ever (a model
// without stages holds `rate`). Arrival number n (0-based, fractional for
// Poisson) is due at the time t where the cumulative arrivals
// A(t) = integral of r over [0, t] reach n, so arrival 0 is at t = 0 and a
// constant rate r puts arrival k at k / r.
class ArrivalSchedule {
 public:
  explicit ArrivalSchedule(const OpenModel& model);

  double RateAt(double seconds) const;
  double ArrivalsBy(double seconds) const;  // A(t)
  // The smallest t with A(t) = n, in seconds; +infinity when the rate drops
  // to zero for good before n arrivals. Within a linear stage A is
  // quadratic, solved in the cancellation-free form 2d / (r0 + sqrt(...)).
  double TimeOfArrival(double n) const;
  // TimeOfArrival in whole nanoseconds, kNever for +infinity.
  int64_t TimeOfArrivalNs(double n) const;
  double peak_rate() const { return peak_rate_; }

 private:
  struct Segment {
    double start_s = 0;
    double duration_s = 0;  // +infinity for the final, held rate
    double start_rate = 0;
    double end_rate = 0;
    double start_arrivals = 0;  // A(start_s)
  };
  const Segment& SegmentAt(double seconds) const;

  std::vector<Segment> segments_;
  double peak_rate_ = 0;
};

// Which arrivals of the global schedule one stream starts: arrivals first,
// first + stride, first + 2 stride, ... A run's worker w of W takes lane
// {w, W}; worker w of shard K of N takes {K + N w, N W}, so the shards'
// workers together start every arrival exactly once.
struct ArrivalLane {
  uint64_t first = 0;
  uint64_t stride = 1;
};

// The arrivals one lane starts, in order. Constant arrivals: arrival n is
// due at TimeOfArrival(n). Poisson arrivals: one global sequence of
// unit-rate exponential steps from `seed` (the same seed for every lane),
// arrival n due where the cumulative arrivals reach the sum of the first
// n + 1 steps; each lane walks the whole sequence and keeps its own
// arrivals, so the lanes of all workers and shards together are exactly
// the single-process schedule. The walk costs one draw per arrival of the
// whole test in every worker (a few ns each: about 1 % of a core per
// million arrivals/s).
class ArrivalStream {
 public:
  ArrivalStream(const ArrivalSchedule& schedule, OpenModel::Arrivals arrivals,
                ArrivalLane lane, uint64_t seed);

  // Intended time of the next arrival in ns since the run started; kNever
  // when there is none.
  int64_t next_ns() const { return next_ns_; }
  void Advance();

 private:
  // Moves `steps` arrivals along the global sequence and recomputes next_ns_.
  void Walk(uint64_t steps);

  const ArrivalSchedule* schedule_;
  OpenModel::Arrivals arrivals_;
  uint64_t stride_;
  double position_;  // constant: arrival index; Poisson: unit-rate time
  Rng rng_;
  int64_t next_ns_ = kNever;
};

// One think time drawn from `think`, in ns (never negative).
int64_t SampleThinkTimeNs(const ThinkTime& think, Rng& rng);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_SCHEDULE_H_
