// loadgate's own /metrics: the figures of the runs of this process in the
// Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper asks
// for it. Families (docs/prometheus.md has the full list):
//
//   live, per scenario, from the progress the engine hands out once a
//   second (the numbers the live page shows):
//     loadgate_run_requests_total, loadgate_run_errors_total (counters),
//     loadgate_in_flight_requests, loadgate_target_rate_requests_per_second,
//     loadgate_achieved_rate_requests_per_second,
//     loadgate_run_latency_last_second_seconds{percentile} (gauges)
//   per scenario and tag, live from the per-tag statistics so far that the
//   progress carries (Progress::tags), and exactly the report's once the
//   run ends:
//     loadgate_requests_total, loadgate_errors_total{kind},
//     loadgate_good_requests_total, loadgate_input_tokens_total,
//     loadgate_output_tokens_total, loadgate_estimated_cost_usd_total,
//     and the histograms loadgate_{latency,service_time,ttfb,ttft,
//     inter_token_latency,time_per_output_token,
//     latency_per_output_token}_seconds over the buckets of buckets.h.
//
// Counters add up over the whole process: a suite's tests are scenarios,
// and a scenario that runs twice keeps counting. Every series carries
// `shard` when ExpositionOptions::shard is set, so the figures of several
// load generators of one sharded run can be told apart and summed.
//
// Not thread-safe: the live server keeps one on its own thread.
#ifndef LOADGATE_PROMETHEUS_EXPOSITION_H_
#define LOADGATE_PROMETHEUS_EXPOSITION_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/histogram.h"
#include "loadgate/load_model.h"
#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "prometheus/buckets.h"

namespace loadgate::prometheus {

enum class Format { kText, kOpenMetrics };

// OpenMetrics when `accept` (an Accept header) names
// application/openmetrics-text, otherwise the text format 0.0.4.
Format NegotiateFormat(std::string_view accept);
std::string_view ContentType(Format format);

// A latency histogram over kBucketBoundsNs: per-bucket (not cumulative)
// counts, +Inf last, and the sum in seconds.
struct Buckets {
  std::array<uint64_t, kBucketCount + 1> counts{};
  uint64_t count = 0;
  double sum_seconds = 0;

  // Adds every value of `histogram`, binned as Histogram::Percentile()
  // reports it, so each of its percentiles lies in the bucket that
  // histogram_quantile interpolates in for the same quantile (the bound of
  // buckets.h then holds exactly).
  void Add(const Histogram& histogram);
  void Add(const Buckets& other);
  // Becomes `now`, except that no cumulative count (le) goes down: each
  // keeps the larger of the two. Both share their +Inf count when `now`
  // has at least this one's samples, so the result is a valid histogram.
  void RaiseTo(const Buckets& now);
};

// What one finished run adds to a tag's series. Built from the report by
// the thread that ends the run, so the server thread only adds arrays.
inline constexpr size_t kHistogramFamilyCount = 7;

struct TagFigures {
  std::string tag;
  uint64_t requests = 0;
  std::array<uint64_t, kErrorKindCount> errors_by_kind{};
  uint64_t met_objectives = 0;  // goodput's requests
  uint64_t prompt_tokens = 0;
  uint64_t output_tokens = 0;
  double cost_usd = 0;
  // In the order of kHistogramFamilies in exposition.cc: latency, service
  // time, TTFB, TTFT, inter-token latency, TPOT, latency per output token.
  std::array<Buckets, kHistogramFamilyCount> histograms;

  void Add(const TagFigures& other);
  // Becomes `now` (the same tag later in the same run), no series going
  // down (see Buckets::RaiseTo).
  void RaiseTo(const TagFigures& now);
};

struct RunFigures {
  uint64_t requests = 0;
  uint64_t errors = 0;
  std::vector<TagFigures> tags;
};
RunFigures FiguresOf(const RunReport& report);
// The run so far: its counters and, when the progress carries them, its
// tags. Call it during the on_progress call (Progress::tags is valid only
// then).
RunFigures FiguresOf(const Progress& progress);

struct ExpositionOptions {
  // The `shard` label of every series; empty leaves it out. Set it when
  // several load generators share one run (one value per generator).
  std::string shard;
};

class Exposition {
 public:
  explicit Exposition(ExpositionOptions options = {});

  // A run of `scenario` begins; an open model gives its target rate. A run
  // still open is ended first as AbortRun() would.
  void BeginRun(const std::string& scenario, const LoadModel& model);
  // The run's progress (ignored when no run is open), with its tags so far
  // (`so_far`, from FiguresOf(progress); no tags leaves them as they were).
  // A tag's series only grow: a histogram bucket that a sample at the
  // run's new minimum or maximum would move to a neighbouring bucket keeps
  // its count until the report's exact figures replace it at EndRun.
  void Update(const Progress& progress, const RunFigures& so_far);
  // As above with FiguresOf(progress): during the on_progress call only.
  void Update(const Progress& progress);
  // The run ended: its counters, its tags' included, become exactly the
  // report's.
  void EndRun(const RunFigures& figures);
  // The run failed: what it counted so far (its tags' too) stays counted.
  void AbortRun();

  // Every scenario's series, or those of `only`.
  std::string Render(Format format,
                     std::optional<std::string_view> only = {}) const;
  // The scenarios seen so far, in name order.
  std::vector<std::string> Scenarios() const;

 private:
  struct Scenario {
    uint64_t requests = 0;  // finished runs, plus the open one's progress
    uint64_t errors = 0;
    uint64_t open_requests = 0;  // the open run's part of the two above
    uint64_t open_errors = 0;
    uint64_t in_flight = 0;
    double achieved_rps = 0;
    std::optional<double> target_rps;  // open models
    std::optional<OpenModel> open_model;
    std::array<int64_t, 3> last_second_ns{};  // p50, p95, p99
  };

  using TagKey = std::pair<std::string, std::string>;  // scenario, tag

  void CloseRun();
  // Every tag's figures: finished runs plus the open run's so far.
  std::map<TagKey, TagFigures> CurrentTags() const;
  std::string Labels(
      std::string_view scenario,
      std::initializer_list<std::pair<std::string_view, std::string_view>> more)
      const;
  static bool Shown(const std::string& scenario,
                    std::optional<std::string_view> only);
  void RenderLive(Format format, std::optional<std::string_view> only,
                  std::string& out) const;
  void RenderTags(Format format, std::optional<std::string_view> only,
                  std::string& out) const;

  ExpositionOptions options_;
  std::map<std::string, Scenario> scenarios_;
  std::map<TagKey, TagFigures> tags_;            // finished runs
  std::optional<std::string> open_run_;          // the scenario of the open run
  std::map<std::string, TagFigures> open_tags_;  // the open run's, by tag
};

}  // namespace loadgate::prometheus

#endif  // LOADGATE_PROMETHEUS_EXPOSITION_H_
