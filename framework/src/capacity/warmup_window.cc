// The judged part of a step's run: the run minus its warm-up, from the
// cumulative statistics the engine reported at the end of the warm-up's
// last second (warmup_window.h).
#include "capacity/warmup_window.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "metrics/metric_catalogue.h"

namespace loadgate::capacity {
namespace {

// `after` minus `before`, `before` being an earlier state of the same
// histogram. Min and max become the representative values of the outer
// buckets left; the sum (so the mean) stays exact.
Histogram Difference(const Histogram& after, const Histogram& before) {
  if (before.empty()) return after;
  std::map<int64_t, uint64_t> earlier;
  for (const auto& [value, count] : before.NonEmptyBuckets()) {
    earlier[value] = count;
  }
  std::vector<std::pair<int64_t, uint64_t>> buckets;
  for (const auto& [value, count] : after.NonEmptyBuckets()) {
    const auto found = earlier.find(value);
    const uint64_t prior = found == earlier.end() ? 0 : found->second;
    if (count > prior) buckets.emplace_back(value, count - prior);
  }
  if (buckets.empty()) return Histogram(after.precision_bits());
  return Histogram::FromBuckets(after.precision_bits(), buckets,
                                buckets.front().first, buckets.back().first,
                                std::max(0.0, after.sum() - before.sum()));
}

uint64_t Less(uint64_t after, uint64_t before) {
  return after > before ? after - before : 0;
}

TagStats Difference(const TagStats& after, const TagStats& before) {
  TagStats part;
  part.name = after.name;
  part.requests = Less(after.requests, before.requests);
  part.errors = Less(after.errors, before.errors);
  for (size_t i = 0; i < part.errors_by_kind.size(); ++i) {
    part.errors_by_kind[i] =
        Less(after.errors_by_kind[i], before.errors_by_kind[i]);
  }
  for (const auto& [status, count] : after.status_counts) {
    const auto found = before.status_counts.find(status);
    const uint64_t left =
        Less(count, found == before.status_counts.end() ? 0 : found->second);
    if (left > 0) part.status_counts[status] = left;
  }
  part.met_objectives = Less(after.met_objectives, before.met_objectives);
  part.bytes_received = Less(after.bytes_received, before.bytes_received);
  part.output_tokens = Less(after.output_tokens, before.output_tokens);
  part.prompt_tokens = Less(after.prompt_tokens, before.prompt_tokens);
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.histogram == nullptr) continue;
    part.*metric.histogram =
        Difference(after.*metric.histogram, before.*metric.histogram);
  }
  return part;
}

}  // namespace

RunReport AfterWarmup(const RunReport& whole,
                      const std::vector<TagStats>& at_warmup_end,
                      int64_t warmup_seconds) {
  RunReport part = whole;
  constexpr int64_t kSecondNs = 1'000'000'000;
  part.info.actual_duration_ns = std::max<int64_t>(
      0, whole.info.actual_duration_ns - warmup_seconds * kSecondNs);
  part.info.planned_duration_ns = std::max<int64_t>(
      0, whole.info.planned_duration_ns - warmup_seconds * kSecondNs);
  part.metrics.total = TagStats();
  part.metrics.total.name = whole.metrics.total.name;
  for (TagStats& tag : part.metrics.tags) {
    const auto before =
        std::find_if(at_warmup_end.begin(), at_warmup_end.end(),
                     [&](const TagStats& t) { return t.name == tag.name; });
    if (before != at_warmup_end.end()) tag = Difference(tag, *before);
    part.metrics.total.Merge(tag);
  }
  part.metrics.total.name = whole.metrics.total.name;
  // Custom metrics (sessions) are not in the once-a-second statistics: their
  // counts take the judged part's share of the requests, so per-session
  // figures divide the judged part's cost by its sessions.
  const double share = whole.requests() == 0
                           ? 0
                           : static_cast<double>(part.requests()) /
                                 static_cast<double>(whole.requests());
  for (CustomMetric& metric : part.metrics.custom) {
    metric.count = static_cast<uint64_t>(
        std::llround(static_cast<double>(metric.count) * share));
    metric.failures = static_cast<uint64_t>(
        std::llround(static_cast<double>(metric.failures) * share));
  }
  std::erase_if(part.metrics.series, [&](const TimeSlot& slot) {
    return slot.second < warmup_seconds;
  });
  return part;
}

}  // namespace loadgate::capacity
