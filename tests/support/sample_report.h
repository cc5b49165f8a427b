// A hand-built run report shared by the tests of objectives, matchers and
// report writers, so that they all assert against one well-understood run.
#ifndef LOADGATE_TESTS_SUPPORT_SAMPLE_REPORT_H_
#define LOADGATE_TESTS_SUPPORT_SAMPLE_REPORT_H_

#include <cstdint>
#include <vector>

#include "loadgate/report.h"

namespace loadgate::test_support {

// Run "sample": 1000 requests over 10 s at a constant 100 req/s target,
// priced at $1.25 / $5 per million input / output tokens.
// - "GET /patients/{mrn}" (tag 0, plain): 900 requests, number i = 1..900
//   intended at i * 10 ms with latency i ms, service time i / 2 ms, TTFB 3 ms
//   and 512 bytes; i = 300, 600 and 900 are 503s (3 errors); i > 880 miss
//   their objective, so 878 meet it.
// - "chat" (tag 1, streamed): 100 requests, i = 0..99 intended at i * 100 ms
//   with latency = service time 901 + i ms, TTFB 150 ms, first chunk 180 ms,
//   TTFT 200 + i ms, 32 prompt and 50 output tokens in 25 chunks (24 gaps
//   of 20 ms carrying 2 tokens each); every tenth (i % 10 == 0) misses its
//   objective, so 90 meet it.
// - Custom "full_turn" (metric 0): 100 values 2000 + 10 i ms (2..2.99 s),
//   every 25th (i % 25 == 0) failed: 4 failures.
// Overall: latency 1..1000 ms, 3 errors (0.3 %), 968 met their objectives,
// 5000 output tokens (500 tokens/s), estimated cost $0.029.
RunReport SampleReport();

// Requests of one tag of a BatchRun: `count` requests of `latency_ms`, the
// first `errors` of them failed with a 503.
struct Batch {
  uint16_t tag = 0;  // 0 = "GET /a", 1 = "POST /b"
  int count = 0;
  double latency_ms = 0;
  int errors = 0;
};

// Run "gate" of `seconds` made of `batches`, with the tags they used.
RunReport BatchRun(const std::vector<Batch>& batches, double seconds = 10);

// 1000 requests of "GET /a" at `latency_ms` each, the first `errors` failed.
RunReport ConstantRun(double latency_ms, int errors = 0, double seconds = 10);

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_SAMPLE_REPORT_H_
