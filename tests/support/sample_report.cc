#include "support/sample_report.h"

#include <cstdint>
#include <vector>

#include "loadgate/metrics.h"

namespace loadgate::test_support {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

}  // namespace

RunReport SampleReport() {
  RunReport report;
  report.info.name = "sample";
  report.info.load_model = "constant 100 req/s";
  report.info.target_rps = 100;
  report.info.planned_duration_ns = 10 * kSecond;
  report.info.actual_duration_ns = 10 * kSecond;
  report.info.started_at = "2026-11-23T09:00:00Z";
  report.info.prices = {.input_per_million = 1.25, .output_per_million = 5};
  Recorder recorder({"GET /patients/{mrn}", "chat"}, {"full_turn"}, 10);
  for (int i = 1; i <= 900; ++i) {
    RequestSample sample;
    sample.tag = 0;
    const bool failed = i % 300 == 0;
    sample.status = failed ? 503 : 200;
    sample.error = failed ? ErrorKind::kHttp5xx : ErrorKind::kNone;
    sample.met_objectives = i <= 880;
    sample.intended_ns = i * 10 * kMs;
    sample.latency_ns = i * kMs;
    sample.service_time_ns = i * kMs / 2;
    sample.ttfb_ns = 3 * kMs;
    sample.bytes_received = 512;
    recorder.Record(sample);
  }
  constexpr int kChunks = 25;
  for (int i = 0; i < 100; ++i) {
    RequestSample sample;
    sample.tag = 1;
    sample.status = 200;
    sample.met_objectives = i % 10 != 0;
    sample.intended_ns = i * 100 * kMs;
    sample.latency_ns = sample.service_time_ns = (901 + i) * kMs;
    sample.ttfb_ns = 150 * kMs;
    sample.first_chunk_ns = 180 * kMs;
    sample.ttft_ns = (200 + i) * kMs;
    sample.content_chunks = kChunks;
    sample.prompt_tokens = 32;
    sample.output_tokens = 50;
    recorder.Record(sample);
    for (int gap = 1; gap < kChunks; ++gap) {
      recorder.RecordChunkGap(1, 20 * kMs, 2);
    }
    recorder.RecordCustom(0, (2000 + 10 * i) * kMs, i % 25 != 0);
  }
  report.metrics = recorder.metrics();
  return report;
}

RunReport BatchRun(const std::vector<Batch>& batches, double seconds) {
  RunReport report;
  report.info.name = "gate";
  report.info.actual_duration_ns = static_cast<int64_t>(seconds * kSecond);
  report.info.planned_duration_ns = report.info.actual_duration_ns;
  Recorder recorder({"GET /a", "POST /b"}, {});
  for (const Batch& batch : batches) {
    for (int i = 0; i < batch.count; ++i) {
      RequestSample sample;
      sample.tag = batch.tag;
      const bool failed = i < batch.errors;
      sample.status = failed ? 503 : 200;
      sample.error = failed ? ErrorKind::kHttp5xx : ErrorKind::kNone;
      sample.latency_ns = sample.service_time_ns =
          static_cast<int64_t>(batch.latency_ms * kMs);
      recorder.Record(sample);
    }
  }
  report.metrics = recorder.metrics();
  // A run that only used tag 0 did not know tag 1.
  std::erase_if(report.metrics.tags,
                [](const TagStats& tag) { return tag.requests == 0; });
  return report;
}

RunReport ConstantRun(double latency_ms, int errors, double seconds) {
  return BatchRun({{.count = 1000, .latency_ms = latency_ms, .errors = errors}},
                  seconds);
}

}  // namespace loadgate::test_support
