#ifndef SERVICES_MOCK_LLM_PLAN_H_
#define SERVICES_MOCK_LLM_PLAN_H_

#include <functional>
#include <string>

#include "mock_llm/config.h"
#include "mock_llm/random.h"

namespace loadgate::services::mock_llm {

// What the server intends to do with one generation request, decided up
// front so that it can be announced (x-mock-llm-plan) and checked against
// what a load generator observed.
struct Plan {
  double headers_ms = 0;  // extra delay before the headers (slow-headers)
  double ttft_ms = 0;     // from the request to the first chunk
  double itl_ms = 0;      // between tokens
  double slowdown = 1;    // capacity-model factor already in ttft/itl
  int output_tokens = 0;
  int tokens_per_chunk = 1;
  int chunks = 1;
  bool hit_limit = false;  // the request's max tokens cut the response
  Fault fault = Fault::kNone;
  int fault_chunk = -1;  // mid-stream faults strike before this chunk

  // Offset from the request of chunk `index` (the last one for a
  // non-streaming reply).
  double ChunkOffsetMs(int index) const {
    return headers_ms + ttft_ms +
           static_cast<double>(index) * tokens_per_chunk * itl_ms;
  }
  // "ttft_ms=812.345;itl_ms=50.000;tokens=64;..." (the x-mock-llm-plan
  // header).
  std::string Describe() const;
};

// `natural_tokens` is the length of an echo or canned text (-1 for generated
// text, whose length is drawn from config.output_tokens); `max_tokens` the
// request's limit (-1 for none); `in_flight` includes this request.
// `timing` draws delays and faults, `content` the output length (so the same
// prompt and seed give the same text and length).
Plan MakePlan(const Config& config, const RequestOverrides& overrides,
              int64_t in_flight, int natural_tokens, int max_tokens,
              Rng& timing, Rng& content);

// Reads x-mock-llm-* headers through `header` (nullptr when absent). Fails
// with a message for a 400 on a bad value.
Status ParseOverrides(const std::function<const char*(const char*)>& header,
                      RequestOverrides* overrides);

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_PLAN_H_
