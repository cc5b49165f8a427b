// What the engine measures: one sample per request, folded into mergeable
// per-tag statistics and a per-second time series.
#ifndef LOADGATE_METRICS_H_
#define LOADGATE_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/histogram.h"

namespace loadgate {

enum class ErrorKind : uint8_t {
  kNone = 0,
  kConnect,      // could not connect (refused, unreachable, TLS handshake)
  kTimeout,      // the per-request timeout expired
  kHttp4xx,      // a 4xx status
  kHttp5xx,      // a 5xx status
  kCheckFailed,  // a response check (status, JSON pointer, body) failed
  kProtocol,     // a response (or stream) that is not valid HTTP / SSE / JSON
  // Arrived in the load window but never sent: every in-flight slot stayed
  // busy until the run was abandoned (open models).
  kNotSent,
  // The connection was reset or closed by the server before the response
  // was complete.
  kConnectionLost,
  // A response part loadgate must hold in memory (an SSE line or event, a
  // streamed JSON element, a body kept for checks) exceeded
  // Request::max_buffered_bytes.
  kResponseTooLarge,
};
inline constexpr int kErrorKindCount = 10;
// "none", "connect", "timeout", "http_4xx", "http_5xx", "check_failed",
// "protocol", "not_sent", "connection_lost", "response_too_large": the names
// used in every report.
std::string_view ErrorKindName(ErrorKind kind);

// Whether a request's latency describes the service: it got a response (any
// status, even one that failed a check) or waited for one until its timeout
// or the end of the run (kTimeout, kNotSent). Requests that failed without
// an answer (refused or lost connections, malformed or oversized responses)
// count as errors, but how fast they failed says nothing about the
// service's latency, so they stay out of the latency histograms: a dead port
// can never show a passing latency objective.
constexpr bool LatencyCounts(ErrorKind kind) {
  return kind == ErrorKind::kNone || kind == ErrorKind::kHttp4xx ||
         kind == ErrorKind::kHttp5xx || kind == ErrorKind::kCheckFailed ||
         kind == ErrorKind::kTimeout || kind == ErrorKind::kNotSent;
}

// Everything measured about one request. Times are nanoseconds; a time that
// does not apply (no response, not a stream) is -1.
struct RequestSample {
  uint16_t tag = 0;     // index into the run's tag names
  uint16_t status = 0;  // HTTP status, 0 when no response arrived
  ErrorKind error = ErrorKind::kNone;
  // True when the request met every per-request objective (no error and,
  // where set, latency, TTFT and TPOT under their per-request limits, all
  // for this one request): goodput. See MeetsRequestObjectives().
  bool met_objectives = true;
  int64_t intended_ns = 0;  // intended send time, since the run started
  // From the intended send time to the last byte (or to when the request
  // was settled without one: its timeout, the end of the run). For open
  // models the intended time is the scheduled arrival, so queueing behind a
  // stalled server counts (no coordinated omission); for closed models it
  // equals service_time_ns.
  int64_t latency_ns = 0;
  // From the actual send to the last byte; -1 for a request never sent.
  int64_t service_time_ns = 0;
  int64_t ttfb_ns = -1;  // from the actual send to the first byte
  // Streaming responses (SSE or a streamed JSON array), from the actual send.
  int64_t first_chunk_ns = -1;  // the first stream event of any kind
  int64_t ttft_ns = -1;         // the first event with non-empty content
  int32_t content_chunks = 0;   // events with non-empty content
  // The longest wait between two content events (a stall mid-answer); -1
  // with fewer than two.
  int64_t max_chunk_gap_ns = -1;
  int32_t output_tokens = 0;  // from reported usage, else content_chunks
  int32_t prompt_tokens = 0;  // from reported usage, else 0
  uint64_t bytes_received = 0;
};

// Time per output token after the first of one streamed request: (service
// time - TTFT) / (output tokens - 1), or -1 when that does not apply (not a
// stream, no content, or fewer than two output tokens).
int64_t TimePerOutputTokenNs(const RequestSample& sample) noexcept;

// End-to-end latency per output token of one answered request: latency /
// output tokens (streams and JSON answers that report usage), or -1 for a
// failed request or one without output tokens.
int64_t LatencyPerOutputTokenNs(const RequestSample& sample) noexcept;

// Per-request limits (0 = not set) that a request must meet, all of them
// for the same request, to count as goodput.
struct RequestObjectives {
  int64_t latency_ns = 0;
  int64_t ttft_ns = 0;
  int64_t tpot_ns = 0;
  // The longest gap between two content events of the stream: an average
  // (TPOT) hides a stall that a reader of the answer sees.
  int64_t max_itl_ns = 0;
};

// Whether `sample`, an answered request without error, meets every set
// objective. Only streams are judged on TTFT, TPOT and the longest gap: a
// stream that never delivered content fails all three, a non-streamed
// answer meets them, and a stream of one output token has no TPOT to fail
// (nor one content event a gap).
bool MeetsRequestObjectives(const RequestSample& sample,
                            const RequestObjectives& objectives) noexcept;

// Statistics of one tag (request name / step), or of the whole run.
struct TagStats {
  TagStats();
  void Merge(const TagStats& other);

  std::string name;
  uint64_t requests = 0;
  uint64_t errors = 0;
  // Indexed by ErrorKind; the kNone slot counts the requests that succeeded,
  // so the slots always add up to `requests`.
  std::array<uint64_t, kErrorKindCount> errors_by_kind{};
  std::map<int, uint64_t> status_counts;  // 0 = no response
  uint64_t met_objectives = 0;
  uint64_t bytes_received = 0;
  uint64_t output_tokens = 0;
  uint64_t prompt_tokens = 0;

  // Requests whose error kind LatencyCounts() only.
  Histogram latency;       // ns, from the intended time (see RequestSample)
  Histogram service_time;  // ns, from the actual send
  Histogram send_lag;      // ns from the intended to the actual send
  Histogram ttfb;          // ns
  Histogram first_chunk;   // ns, streams only
  Histogram ttft;          // ns, streams only
  Histogram chunk_gap;     // ns between content events (ITL per chunk)
  Histogram token_gap;     // ns per token between content events
  Histogram tpot;          // ns, (e2e - ttft) / (output tokens - 1)
  Histogram tokens_per_s;  // output tokens/s per request, in milli-tokens/s
  // ns, latency / output tokens per answered request with output tokens
  // (streams and JSON answers with usage); see LatencyPerOutputTokenNs().
  Histogram latency_per_token;
};

// One second of the run (by completion time).
struct TimeSlot {
  TimeSlot();
  void Merge(const TimeSlot& other);

  int64_t second = 0;  // since the run started
  uint64_t requests = 0;
  uint64_t errors = 0;
  std::array<uint64_t, kErrorKindCount> errors_by_kind{};
  uint64_t output_tokens = 0;
  // As TagStats::latency, at reduced precision (4 bits, < 6.25 %) to stay
  // small.
  Histogram latency;
};

// A named measurement that spans several requests, such as a multi-step
// flow ("full_turn": create session, post, poll until the reply).
struct CustomMetric {
  CustomMetric();
  void Merge(const CustomMetric& other);

  std::string name;
  uint64_t count = 0;
  uint64_t failures = 0;
  Histogram value;  // ns
};

// The mergeable body of a report.
struct Metrics {
  void Merge(const Metrics& other);  // tags and custom metrics matched by name

  TagStats total;
  std::vector<TagStats> tags;
  std::vector<CustomMetric> custom;
  std::vector<TimeSlot> series;  // ascending by second, gaps allowed
};

// Per-worker recorder. Not thread-safe by design: each engine worker owns
// one, and the run merges them at the end, so recording takes no lock and
// (after construction) allocates nothing except when the time series grows
// beyond the reserved duration.
class Recorder {
 public:
  Recorder(std::vector<std::string> tag_names,
           std::vector<std::string> custom_metric_names,
           int64_t expected_duration_s = 0);

  void Record(const RequestSample& sample) noexcept;
  // Gap between two content events of a stream (ITL per chunk), and the same
  // gap divided over the `tokens` the later event carried (ITL per token).
  void RecordChunkGap(uint16_t tag, int64_t gap_ns, uint32_t tokens) noexcept;
  void RecordCustom(uint16_t metric, int64_t value_ns, bool ok) noexcept;

  const Metrics& metrics() const { return metrics_; }

 private:
  TimeSlot& SlotFor(int64_t second);
  Metrics metrics_;
};

}  // namespace loadgate

#endif  // LOADGATE_METRICS_H_
