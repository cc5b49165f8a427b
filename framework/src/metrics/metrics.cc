#include "loadgate/metrics.h"

#include <algorithm>
#include <utility>

namespace loadgate {
namespace {

// Time slots only feed per-second charts, so they trade precision for size:
// 4 bits (< 6.25 % error) keeps a slot at ~8 KB instead of ~58 KB.
constexpr int kTimeSlotPrecisionBits = 4;

// Slots reserved beyond the expected duration: in-flight requests finish
// during the graceful stop, and a run may overshoot its plan a little.
constexpr int64_t kReservedExtraSeconds = 30;
constexpr int64_t kReservedWhenUnknownSeconds = 60;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

template <class T>
void MergeByName(std::vector<T>& into, const std::vector<T>& from) {
  for (const T& other : from) {
    auto it = std::find_if(into.begin(), into.end(), [&](const T& mine) {
      return mine.name == other.name;
    });
    if (it == into.end()) {
      into.push_back(other);
    } else {
      it->Merge(other);
    }
  }
}

void AddCounts(std::array<uint64_t, kErrorKindCount>& into,
               const std::array<uint64_t, kErrorKindCount>& from) {
  for (int i = 0; i < kErrorKindCount; ++i) into[i] += from[i];
}

}  // namespace

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kHttp4xx:
      return "http_4xx";
    case ErrorKind::kHttp5xx:
      return "http_5xx";
    case ErrorKind::kCheckFailed:
      return "check_failed";
    case ErrorKind::kProtocol:
      return "protocol";
    case ErrorKind::kNotSent:
      return "not_sent";
    case ErrorKind::kConnectionLost:
      return "connection_lost";
    case ErrorKind::kResponseTooLarge:
      return "response_too_large";
  }
  return "unknown";
}

TagStats::TagStats() = default;

void TagStats::Merge(const TagStats& other) {
  if (name.empty()) name = other.name;
  requests += other.requests;
  errors += other.errors;
  AddCounts(errors_by_kind, other.errors_by_kind);
  for (const auto& [status, count] : other.status_counts) {
    status_counts[status] += count;
  }
  met_objectives += other.met_objectives;
  bytes_received += other.bytes_received;
  output_tokens += other.output_tokens;
  prompt_tokens += other.prompt_tokens;
  latency.Merge(other.latency);
  service_time.Merge(other.service_time);
  send_lag.Merge(other.send_lag);
  ttfb.Merge(other.ttfb);
  first_chunk.Merge(other.first_chunk);
  ttft.Merge(other.ttft);
  chunk_gap.Merge(other.chunk_gap);
  token_gap.Merge(other.token_gap);
  tpot.Merge(other.tpot);
  tokens_per_s.Merge(other.tokens_per_s);
  latency_per_token.Merge(other.latency_per_token);
}

TimeSlot::TimeSlot() : latency(kTimeSlotPrecisionBits) {}

void TimeSlot::Merge(const TimeSlot& other) {
  requests += other.requests;
  errors += other.errors;
  AddCounts(errors_by_kind, other.errors_by_kind);
  output_tokens += other.output_tokens;
  latency.Merge(other.latency);
}

CustomMetric::CustomMetric() = default;

void CustomMetric::Merge(const CustomMetric& other) {
  if (name.empty()) name = other.name;
  count += other.count;
  failures += other.failures;
  value.Merge(other.value);
}

void Metrics::Merge(const Metrics& other) {
  total.Merge(other.total);
  MergeByName(tags, other.tags);
  MergeByName(custom, other.custom);
  // Both series ascend by second: merge them like sorted lists.
  std::vector<TimeSlot> merged;
  merged.reserve(series.size() + other.series.size());
  auto mine = series.begin();
  auto theirs = other.series.begin();
  while (mine != series.end() || theirs != other.series.end()) {
    if (theirs == other.series.end() ||
        (mine != series.end() && mine->second < theirs->second)) {
      merged.push_back(std::move(*mine++));
    } else if (mine == series.end() || theirs->second < mine->second) {
      merged.push_back(*theirs++);
    } else {
      mine->Merge(*theirs++);
      merged.push_back(std::move(*mine++));
    }
  }
  series = std::move(merged);
}

Recorder::Recorder(std::vector<std::string> tag_names,
                   std::vector<std::string> custom_metric_names,
                   int64_t expected_duration_s) {
  metrics_.tags.resize(tag_names.size());
  for (size_t i = 0; i < tag_names.size(); ++i) {
    metrics_.tags[i].name = std::move(tag_names[i]);
  }
  metrics_.custom.resize(custom_metric_names.size());
  for (size_t i = 0; i < custom_metric_names.size(); ++i) {
    metrics_.custom[i].name = std::move(custom_metric_names[i]);
  }
  const int64_t reserved_seconds =
      expected_duration_s > 0 ? expected_duration_s + expected_duration_s / 10 +
                                    kReservedExtraSeconds
                              : kReservedWhenUnknownSeconds;
  // The series stays dense (slot i is second i) so SlotFor() is an index.
  metrics_.series.resize(static_cast<size_t>(reserved_seconds));
  for (int64_t second = 0; second < reserved_seconds; ++second) {
    metrics_.series[static_cast<size_t>(second)].second = second;
  }
}

TimeSlot& Recorder::SlotFor(int64_t second) {
  second = std::max<int64_t>(second, 0);
  auto& series = metrics_.series;
  while (static_cast<int64_t>(series.size()) <= second) {
    const auto next_second = static_cast<int64_t>(series.size());
    series.emplace_back().second = next_second;
  }
  return series[static_cast<size_t>(second)];
}

int64_t TimePerOutputTokenNs(const RequestSample& sample) noexcept {
  // TTFT is measured from the actual send, so the end-to-end time of the
  // stream is the service time, not the latency from the intended time.
  const int64_t generation_ns = sample.service_time_ns - sample.ttft_ns;
  const bool streamed = sample.ttft_ns >= 0 && generation_ns > 0;
  return streamed && sample.output_tokens > 1
             ? generation_ns / (sample.output_tokens - 1)
             : -1;
}

int64_t LatencyPerOutputTokenNs(const RequestSample& sample) noexcept {
  return sample.error == ErrorKind::kNone && sample.output_tokens > 0
             ? sample.latency_ns / sample.output_tokens
             : -1;
}

bool MeetsRequestObjectives(const RequestSample& sample,
                            const RequestObjectives& objectives) noexcept {
  const bool streamed = sample.first_chunk_ns >= 0;
  const bool no_content = streamed && sample.ttft_ns < 0;
  if (objectives.latency_ns > 0 && sample.latency_ns > objectives.latency_ns) {
    return false;
  }
  if (objectives.ttft_ns > 0 && streamed &&
      (no_content || sample.ttft_ns > objectives.ttft_ns)) {
    return false;
  }
  if (objectives.tpot_ns > 0 && streamed) {
    if (no_content) return false;
    const int64_t tpot_ns = TimePerOutputTokenNs(sample);
    if (tpot_ns > objectives.tpot_ns) return false;
  }
  if (objectives.max_itl_ns > 0 && streamed &&
      (no_content || sample.max_chunk_gap_ns > objectives.max_itl_ns)) {
    return false;
  }
  return true;
}

namespace {

// The per-request values derived from one sample, computed once for the
// run's total and the sample's tag.
struct Derived {
  int64_t send_lag_ns;
  int64_t tpot_ns;
  int64_t tokens_per_s_milli;
  int64_t latency_per_token_ns;
};

void RecordInto(TagStats& stats, const RequestSample& sample,
                const Derived& derived) noexcept {
  const bool failed = sample.error != ErrorKind::kNone;
  ++stats.requests;
  stats.errors += failed;
  ++stats.errors_by_kind[static_cast<int>(sample.error)];
  // A map node is allocated only the first time a tag sees a status.
  ++stats.status_counts[sample.status];
  stats.met_objectives += sample.met_objectives && !failed;
  stats.bytes_received += sample.bytes_received;
  stats.output_tokens +=
      static_cast<uint64_t>(std::max(sample.output_tokens, 0));
  stats.prompt_tokens +=
      static_cast<uint64_t>(std::max(sample.prompt_tokens, 0));
  // Failed requests count in latency too when they waited for an answer: a
  // timeout is what the user saw.
  if (LatencyCounts(sample.error)) {
    stats.latency.Record(sample.latency_ns);
    if (sample.service_time_ns >= 0) {
      stats.service_time.Record(sample.service_time_ns);
    }
    stats.send_lag.Record(derived.send_lag_ns);
  }
  if (sample.ttfb_ns >= 0) stats.ttfb.Record(sample.ttfb_ns);
  if (sample.first_chunk_ns >= 0)
    stats.first_chunk.Record(sample.first_chunk_ns);
  if (sample.ttft_ns >= 0) stats.ttft.Record(sample.ttft_ns);
  if (derived.tpot_ns >= 0) stats.tpot.Record(derived.tpot_ns);
  if (derived.tokens_per_s_milli >= 0) {
    stats.tokens_per_s.Record(derived.tokens_per_s_milli);
  }
  if (derived.latency_per_token_ns >= 0) {
    stats.latency_per_token.Record(derived.latency_per_token_ns);
  }
}

}  // namespace

void Recorder::Record(const RequestSample& sample) noexcept {
  Derived derived;
  derived.send_lag_ns =
      sample.service_time_ns < 0
          ? sample.latency_ns  // never sent: all of it was lag
          : std::max<int64_t>(sample.latency_ns - sample.service_time_ns, 0);
  derived.tpot_ns = TimePerOutputTokenNs(sample);
  const int64_t generation_ns = sample.service_time_ns - sample.ttft_ns;
  derived.tokens_per_s_milli =
      sample.ttft_ns >= 0 && generation_ns > 0 && sample.output_tokens > 0
          ? static_cast<int64_t>(static_cast<double>(sample.output_tokens) *
                                 1e12 / static_cast<double>(generation_ns))
          : -1;
  derived.latency_per_token_ns = LatencyPerOutputTokenNs(sample);
  RecordInto(metrics_.total, sample, derived);
  if (sample.tag < metrics_.tags.size()) {
    RecordInto(metrics_.tags[sample.tag], sample, derived);
  }
  TimeSlot& slot =
      SlotFor((sample.intended_ns + sample.latency_ns) / kNanosPerSecond);
  ++slot.requests;
  slot.errors += sample.error != ErrorKind::kNone;
  ++slot.errors_by_kind[static_cast<int>(sample.error)];
  slot.output_tokens +=
      static_cast<uint64_t>(std::max(sample.output_tokens, 0));
  if (LatencyCounts(sample.error)) slot.latency.Record(sample.latency_ns);
}

void Recorder::RecordChunkGap(uint16_t tag, int64_t gap_ns,
                              uint32_t tokens) noexcept {
  // An event that reported no token count still carried content: count it as
  // one token rather than dropping the gap.
  const uint32_t token_count = std::max<uint32_t>(tokens, 1);
  const int64_t per_token_ns = gap_ns / static_cast<int64_t>(token_count);
  auto record = [&](TagStats& stats) {
    stats.chunk_gap.Record(gap_ns);
    stats.token_gap.RecordMultiple(per_token_ns, token_count);
  };
  record(metrics_.total);
  if (tag < metrics_.tags.size()) record(metrics_.tags[tag]);
}

void Recorder::RecordCustom(uint16_t metric, int64_t value_ns,
                            bool ok) noexcept {
  if (metric >= metrics_.custom.size()) return;
  CustomMetric& custom = metrics_.custom[metric];
  ++custom.count;
  custom.failures += !ok;
  // Failed flows count too, like failed requests in latency.
  custom.value.Record(value_ns);
}

}  // namespace loadgate
