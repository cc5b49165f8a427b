// What `loadgate merge` and `loadgate collect` do at the end of a sharded
// test: read the shards' JSON reports and merge them. The case the issue
// names: 64 shards of a 10-minute run (100 req/s each over three tags, so
// 600 per-second slots per report). The counter peak_rss_mib is the
// process's peak resident memory: the 64 texts the benchmark keeps (so that
// no file is read in the loop) plus what reading and merging hold (the
// running total and one report; BM_MergeParsedReports, which holds all 64
// read, runs after it).
//
// With SHARD_MERGE_BENCH_REPORTS=DIR set, the 64 reports are also written
// to DIR/shardK.json, so the commands themselves can be timed and their
// peak memory taken: `/usr/bin/time -v loadgate merge DIR/shard*.json`, or
// `loadgate collect --expect 64` with the files POSTed to it.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "loadgate/shard_merge.h"

namespace loadgate {
namespace {

constexpr int kShards = 64;
constexpr int kSeconds = 600;
constexpr int kRate = 100;

// Shard `index`'s report, as JSON text: lognormal latencies around 5 ms
// with a long tail, a few errors.
std::string ShardReportJson(int index) {
  Recorder recorder({"GET /a", "POST /b", "GET /c"}, {}, kSeconds);
  std::mt19937_64 random(index);
  std::lognormal_distribution<double> latency(15.4, 1.2);
  for (int64_t n = 0; n < int64_t{kSeconds} * kRate; ++n) {
    RequestSample sample;
    sample.tag = static_cast<uint16_t>(n % 3);
    sample.intended_ns = n * (1'000'000'000 / kRate);
    sample.latency_ns = static_cast<int64_t>(latency(random));
    sample.service_time_ns = sample.latency_ns;
    sample.ttfb_ns = sample.latency_ns / 2;
    sample.status = n % 997 == 0 ? 503 : 200;
    if (sample.status != 200) sample.error = ErrorKind::kHttp5xx;
    sample.bytes_received = 512;
    recorder.Record(sample);
  }
  RunReport report;
  report.metrics = recorder.metrics();
  report.info.name = "checkout";
  report.info.load_model = "constant 6400 req/s";
  report.info.target_rps = kRate;
  report.info.planned_duration_ns = int64_t{kSeconds} * 1'000'000'000;
  report.info.actual_duration_ns = report.info.planned_duration_ns;
  report.info.started_at = "2026-12-06T14:30:00Z";
  report.info.shard = {index, kShards};
  report.info.test_id = "0123456789abcdef";
  std::ostringstream json;
  WriteJson(report, json);
  return json.str();
}

// The 64 reports' texts and names, written to SHARD_MERGE_BENCH_REPORTS
// too when it is set.
struct ShardTexts {
  std::vector<std::string> texts;
  std::vector<std::string> names;
  size_t bytes = 0;
};

ShardTexts MakeShards() {
  ShardTexts shards;
  const char* directory = std::getenv("SHARD_MERGE_BENCH_REPORTS");
  for (int k = 0; k < kShards; ++k) {
    shards.texts.push_back(ShardReportJson(k));
    shards.names.push_back("shard" + std::to_string(k) + ".json");
    shards.bytes += shards.texts.back().size();
    if (directory != nullptr) {
      std::ofstream(std::string(directory) + "/" + shards.names.back())
          << shards.texts.back();
    }
  }
  return shards;
}

// Made once, by whichever benchmark runs first.
const ShardTexts& Shards() {
  static const ShardTexts shards = MakeShards();
  return shards;
}

// One shard's report read: what `loadgate merge` does 64 times.
void BM_ReadShardReport(benchmark::State& state) {
  const ShardTexts& shards = Shards();
  for (auto _ : state) {
    std::istringstream in(shards.texts[0]);
    benchmark::DoNotOptimize(ReadJson(in, shards.names[0]).requests());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(shards.texts[0].size()));
}
BENCHMARK(BM_ReadShardReport)->Unit(benchmark::kMillisecond);

void BM_MergeShardReports(benchmark::State& state) {
  const ShardTexts& shards = Shards();
  const std::vector<std::string>& texts = shards.texts;
  const std::vector<std::string>& names = shards.names;
  const size_t bytes = shards.bytes;
  for (auto _ : state) {
    // As `loadgate merge` and `collect` do: each report merged as read, so
    // only the running total and one report are held.
    ShardMerger merger(kShards);
    for (int k = 0; k < kShards; ++k) {
      std::istringstream in(texts[k]);
      merger.Add(ReadJson(in, names[k]), names[k]);
    }
    ShardMergeResult merged = merger.Finish();
    benchmark::DoNotOptimize(merged.report.requests());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["report_mib"] = static_cast<double>(bytes) / kShards / 1048576;
  state.counters["peak_rss_mib"] = static_cast<double>(usage.ru_maxrss) / 1024;
}
BENCHMARK(BM_MergeShardReports)->Unit(benchmark::kMillisecond)->Iterations(3);

// The merge alone, of reports already read.
void BM_MergeParsedReports(benchmark::State& state) {
  const ShardTexts& shards = Shards();
  std::vector<RunReport> reports;
  for (int k = 0; k < kShards; ++k) {
    std::istringstream in(shards.texts[k]);
    reports.push_back(ReadJson(in, shards.names[k]));
  }
  for (auto _ : state) {
    ShardMergeResult merged = MergeShardReports(reports, shards.names, kShards);
    benchmark::DoNotOptimize(merged.report.requests());
  }
}
BENCHMARK(BM_MergeParsedReports)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace loadgate
