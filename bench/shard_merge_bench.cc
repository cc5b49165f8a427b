// What `loadgate merge` and `loadgate collect` do at the end of a sharded
// test: read the shards' JSON reports and merge them. The case the issue
// names: 64 shards of a 10-minute run (100 req/s each over three tags, so
// 600 per-second slots per report). The counter peak_rss_mib is the
// process's peak resident memory, which bounds what the collector holds.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
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

void BM_MergeShardReports(benchmark::State& state) {
  std::vector<std::string> texts;
  std::vector<std::string> names;
  for (int k = 0; k < kShards; ++k) {
    texts.push_back(ShardReportJson(k));
    names.push_back("shard" + std::to_string(k) + ".json");
  }
  size_t bytes = 0;
  for (const std::string& text : texts) bytes += text.size();
  for (auto _ : state) {
    std::vector<RunReport> reports;
    for (int k = 0; k < kShards; ++k) {
      std::istringstream in(texts[k]);
      reports.push_back(ReadJson(in, names[k]));
    }
    ShardMergeResult merged = MergeShardReports(reports, names, kShards);
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
  std::vector<RunReport> reports;
  std::vector<std::string> names;
  for (int k = 0; k < kShards; ++k) {
    std::istringstream in(ShardReportJson(k));
    names.push_back("shard" + std::to_string(k) + ".json");
    reports.push_back(ReadJson(in, names.back()));
  }
  for (auto _ : state) {
    ShardMergeResult merged = MergeShardReports(reports, names, kShards);
    benchmark::DoNotOptimize(merged.report.requests());
  }
}
BENCHMARK(BM_MergeParsedReports)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace loadgate
