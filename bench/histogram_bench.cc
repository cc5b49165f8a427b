// Histogram hot paths: Record() runs once per request per histogram on every
// engine worker; Percentile() and Merge() run per report and per second of
// progress output.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "loadgate/histogram.h"

namespace loadgate {
namespace {

// Log-normal latencies around 5 ms with a long tail (up to seconds), sized
// to stay in L1 so the benchmark measures Record(), not the generator.
std::vector<int64_t> RealisticLatencies() {
  std::mt19937_64 random(1);
  std::lognormal_distribution<double> latency(15.4, 1.2);
  std::vector<int64_t> values(4096);
  for (int64_t& value : values) value = static_cast<int64_t>(latency(random));
  return values;
}

void BM_HistogramRecord(benchmark::State& state) {
  const std::vector<int64_t> values = RealisticLatencies();
  Histogram histogram;
  size_t i = 0;
  for (auto _ : state) {
    histogram.Record(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(histogram.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramPercentile(benchmark::State& state) {
  Histogram histogram;
  for (int64_t value : RealisticLatencies()) histogram.Record(value);
  double percentile = 50;
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram.Percentile(percentile));
    percentile = percentile >= 99.9 ? 50 : percentile + 0.1;
  }
}
BENCHMARK(BM_HistogramPercentile);

void BM_HistogramMerge(benchmark::State& state) {
  Histogram source;
  for (int64_t value : RealisticLatencies()) source.Record(value);
  Histogram target;
  for (auto _ : state) {
    target.Merge(source);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(target.count());
}
BENCHMARK(BM_HistogramMerge);

}  // namespace
}  // namespace loadgate
