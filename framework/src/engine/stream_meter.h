// Metering a response as a stream: how its body is read (Server-Sent
// Events, a streamed JSON array, a whole JSON answer kept for its token
// usage, or not at all), what its chunks showed (first chunk, first
// content, reported usage, LLM errors), and the gaps between content
// chunks, recorded per chunk and per token once the response has ended.
#ifndef LOADGATE_ENGINE_STREAM_METER_H_
#define LOADGATE_ENGINE_STREAM_METER_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/llm_chunk.h"
#include "loadgate/metrics.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {

// How a response body is read: kJson is a whole (non-streamed) JSON body
// kept for its token usage; kPlain is not read at all.
enum class StreamMode { kUndecided, kPlain, kSse, kJsonArray, kJson };

// A non-streamed JSON body is kept (in the session's body buffer, whose
// capacity is reused) up to this size to read its token usage at the end;
// a larger one is not inspected and reports no usage. Non-streamed LLM
// answers are a few KiB; this bounds a session's buffer when the server
// sends something much bigger.
inline constexpr size_t kMaxUsageBodyBytes = 256 * 1024;

// The mode for a response with these headers to a step whose stream format
// is `format` (content_length -1 when not given).
StreamMode ChooseStreamMode(StreamFormat format, std::string_view content_type,
                            int64_t content_length);

// An SSE event's data as a chunk. A plain-text "data" field (not JSON, not
// "[DONE]") is content, not a malformed LLM chunk: generic event streams
// are measured too.
http::LlmChunk InspectStreamData(std::string_view data);

// What one response's chunks showed; times are ns since the request was
// sent, -1 when there was none. A value, reset with every exchange.
struct StreamFigures {
  int64_t first_chunk_ns = -1;  // the first chunk of any kind
  int64_t ttft_ns = -1;         // the first chunk with content
  int64_t last_content_ns = 0;  // worker clock time of the last content
  int64_t max_gap_ns = -1;      // the longest between two content chunks
  int32_t content_chunks = 0;
  int64_t content_chars = 0;
  int32_t reported_prompt = -1;  // token usage the response reported
  int32_t reported_output = -1;
  bool llm_error = false;  // a chunk was an LLM error event

  // Counts a chunk that arrived at worker clock time `now_ns`,
  // `since_send_ns` after the send. Returns the gap since the previous
  // content chunk when this one has content and is not the first, else -1.
  int64_t Count(const http::LlmChunk& chunk, int64_t since_send_ns,
                int64_t now_ns);
  void TakeUsage(const http::LlmUsage& usage) {
    reported_prompt = usage.prompt_tokens;
    reported_output = usage.output_tokens;
  }
  // The request's tokens: as reported, else one output token per content
  // chunk and no prompt tokens.
  int32_t output_tokens() const {
    return reported_output >= 0 ? reported_output : content_chunks;
  }
  int32_t prompt_tokens() const { return std::max(reported_prompt, 0); }
};

// The gaps between a response's content chunks, held until the response
// ends, when the reported output tokens (if any) are known and can be
// spread over the chunks in proportion to their characters. Fixed storage:
// holding a gap never allocates, and clear() keeps it.
class ChunkGaps {
 public:
  static constexpr int kCapacity = 256;

  bool full() const { return count_ == kCapacity; }
  void Add(int64_t gap_ns, uint32_t chars) {
    gap_ns_[count_] = gap_ns;
    chars_[count_] = chars;
    ++count_;
  }
  void clear() { count_ = 0; }
  // Records the held gaps under `tag` and forgets them. With `at_end` (the
  // response's figures final), each gap's later chunk counts the reported
  // output tokens in proportion to its characters (at least 1); without
  // reported usage, or for gaps flushed early because a very long stream
  // filled the storage, each content chunk counts as 1 token (long streams
  // are typically one token per chunk).
  void Flush(Recorder& recorder, uint16_t tag, const StreamFigures& figures,
             bool at_end);

 private:
  int count_ = 0;
  std::array<int64_t, kCapacity> gap_ns_{};
  std::array<uint32_t, kCapacity> chars_{};
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_STREAM_METER_H_
