#include "engine/schedule.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>

namespace loadgate::engine {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double Seconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) * 1e-9;
}

}  // namespace

ArrivalSchedule::ArrivalSchedule(const OpenModel& model) {
  double start = 0;
  double rate = model.rate;
  double arrivals = 0;
  peak_rate_ = rate;
  for (const Stage& stage : model.stages) {
    const double duration = Seconds(stage.duration);
    if (duration <= 0) continue;
    segments_.push_back({start, duration, rate, stage.target_rps, arrivals});
    arrivals += (rate + stage.target_rps) * 0.5 * duration;
    start += duration;
    rate = stage.target_rps;
    peak_rate_ = std::max(peak_rate_, rate);
  }
  segments_.push_back({start, kInfinity, rate, rate, arrivals});
}

const ArrivalSchedule::Segment& ArrivalSchedule::SegmentAt(
    double seconds) const {
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), seconds,
      [](double t, const Segment& segment) { return t < segment.start_s; });
  return it == segments_.begin() ? segments_.front() : *(it - 1);
}

double ArrivalSchedule::RateAt(double seconds) const {
  const Segment& segment = SegmentAt(seconds);
  if (std::isinf(segment.duration_s)) return segment.start_rate;
  const double into =
      std::clamp(seconds - segment.start_s, 0.0, segment.duration_s);
  return segment.start_rate +
         (segment.end_rate - segment.start_rate) * (into / segment.duration_s);
}

double ArrivalSchedule::ArrivalsBy(double seconds) const {
  if (seconds <= 0) return 0;
  const Segment& segment = SegmentAt(seconds);
  const double into = seconds - segment.start_s;
  return segment.start_arrivals +
         (segment.start_rate + RateAt(seconds)) * 0.5 * into;
}

double ArrivalSchedule::TimeOfArrival(double n) const {
  if (n <= 0) return 0;
  // The last segment whose cumulative arrivals at its start do not exceed
  // n; among equal starts (zero-rate stages) the latest, which is the one
  // where arrivals resume.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), n,
                             [](double value, const Segment& segment) {
                               return value < segment.start_arrivals;
                             });
  const Segment& segment = *(it - 1);
  const double remaining = n - segment.start_arrivals;
  if (remaining <= 0) {
    // Exactly at a segment boundary: the earliest segment starting there
    // (A is flat across zero-rate stages).
    return std::lower_bound(segments_.begin(), segments_.end(), n,
                            [](const Segment& s, double value) {
                              return s.start_arrivals < value;
                            })
        ->start_s;
  }
  const double r0 = segment.start_rate;
  if (std::isinf(segment.duration_s)) {
    return r0 > 0 ? segment.start_s + remaining / r0 : kInfinity;
  }
  // A(start + x) - A(start) = r0 x + a x^2 with a = (r1 - r0) / (2 D).
  const double a = (segment.end_rate - r0) / (2.0 * segment.duration_s);
  const double discriminant = std::max(0.0, r0 * r0 + 4.0 * a * remaining);
  const double denominator = r0 + std::sqrt(discriminant);
  if (denominator <= 0) return kInfinity;
  const double x = std::min(2.0 * remaining / denominator, segment.duration_s);
  return segment.start_s + x;
}

int64_t ArrivalSchedule::TimeOfArrivalNs(double n) const {
  const double seconds = TimeOfArrival(n);
  // Beyond ~292 years int64 nanoseconds overflow; treat as never.
  if (!(seconds < 9.2e9)) return kNever;
  return std::llround(seconds * 1e9);
}

ArrivalStream::ArrivalStream(const ArrivalSchedule& schedule,
                             OpenModel::Arrivals arrivals, ArrivalLane lane,
                             uint64_t seed)
    : schedule_(&schedule),
      arrivals_(arrivals),
      stride_(lane.stride),
      // Just before arrival 0 (index -1, or no unit-rate time yet), so
      // walking first + 1 steps lands on the lane's first arrival.
      position_(arrivals == OpenModel::Arrivals::kConstant ? -1 : 0),
      rng_(seed) {
  Walk(lane.first + 1);
}

void ArrivalStream::Advance() { Walk(stride_); }

void ArrivalStream::Walk(uint64_t steps) {
  if (arrivals_ == OpenModel::Arrivals::kConstant) {
    position_ += static_cast<double>(steps);
  } else {
    for (uint64_t i = 0; i < steps; ++i) position_ += rng_.Exponential();
  }
  next_ns_ = schedule_->TimeOfArrivalNs(position_);
}

int64_t SampleThinkTimeNs(const ThinkTime& think, Rng& rng) {
  const double min = static_cast<double>(think.min.count());
  const double max = static_cast<double>(think.max.count());
  double value = 0;
  switch (think.kind) {
    case ThinkTime::Kind::kNone:
      return 0;
    case ThinkTime::Kind::kConstant:
      value = static_cast<double>(think.value.count());
      break;
    case ThinkTime::Kind::kUniform:
      value = min + (max - min) * rng.Uniform();
      break;
    case ThinkTime::Kind::kGaussian:
      value = static_cast<double>(think.mean.count()) +
              static_cast<double>(think.stddev.count()) * rng.Normal();
      value = std::max(value, min);
      if (max > 0) value = std::min(value, max);
      break;
    case ThinkTime::Kind::kExponential:
      value = static_cast<double>(think.mean.count()) * rng.Exponential();
      if (max > 0) value = std::min(value, max);
      break;
  }
  return std::max<int64_t>(0, std::llround(value));
}

}  // namespace loadgate::engine

namespace loadgate {

// The public view of an open model's schedule (load_model.h), for readers
// such as the live view that draw its target rate without driving arrivals.
double ScheduledArrivals(const OpenModel& model, double seconds) {
  return engine::ArrivalSchedule(model).ArrivalsBy(seconds);
}

int AutomaticMaxInFlight(double peak_rate, double seconds) {
  // Descriptors a run keeps for everything but its connections (the live
  // view, report files, the resolver, TLS, the process's own).
  constexpr double kReservedDescriptors = 256;
  constexpr double kMin = 64;
  double cap = 100'000;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur != RLIM_INFINITY) {
    cap = std::min(cap, std::max(kMin, static_cast<double>(files.rlim_cur) -
                                           kReservedDescriptors));
  }
  return static_cast<int>(
      std::min(cap, std::max(kMin, std::ceil(peak_rate * seconds))));
}

}  // namespace loadgate
