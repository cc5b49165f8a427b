#include "engine/stream_meter.h"

#include <cmath>

namespace loadgate::engine {
namespace {

// application/json, or a structured +json type (application/problem+json).
bool IsJsonMediaType(std::string_view media_type) {
  return media_type == "application/json" || media_type.ends_with("+json");
}

}  // namespace

StreamMode ChooseStreamMode(StreamFormat format, std::string_view content_type,
                            int64_t content_length) {
  switch (format) {
    case StreamFormat::kAuto:
      if (content_type == "text/event-stream") return StreamMode::kSse;
      // Not a stream, but a JSON answer may still report its usage.
      return IsJsonMediaType(content_type) &&
                     content_length <= static_cast<int64_t>(kMaxUsageBodyBytes)
                 ? StreamMode::kJson
                 : StreamMode::kPlain;
    case StreamFormat::kNone:
      return StreamMode::kPlain;
    case StreamFormat::kSse:
      return StreamMode::kSse;
    case StreamFormat::kJsonArray:
      return StreamMode::kJsonArray;
  }
  return StreamMode::kPlain;
}

http::LlmChunk InspectStreamData(std::string_view data) {
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos &&
      (data[first] == '{' || data[first] == '[')) {
    return http::InspectLlmChunk(data);
  }
  if (data == "[DONE]") return http::InspectLlmChunk(data);
  http::LlmChunk chunk;
  chunk.content_chars = static_cast<uint32_t>(data.size());
  return chunk;
}

int64_t StreamFigures::Count(const http::LlmChunk& chunk, int64_t since_send_ns,
                             int64_t now_ns) {
  if (first_chunk_ns < 0) first_chunk_ns = since_send_ns;
  if (chunk.is_error) llm_error = true;
  if (chunk.prompt_tokens >= 0) reported_prompt = chunk.prompt_tokens;
  if (chunk.output_tokens >= 0) reported_output = chunk.output_tokens;
  if (chunk.content_chars == 0) return -1;
  int64_t gap_ns = -1;
  if (content_chunks == 0) {
    ttft_ns = since_send_ns;
  } else {
    gap_ns = now_ns - last_content_ns;
    max_gap_ns = std::max(max_gap_ns, gap_ns);
  }
  last_content_ns = now_ns;
  ++content_chunks;
  content_chars += chunk.content_chars;
  return gap_ns;
}

void ChunkGaps::Flush(Recorder& recorder, uint16_t tag,
                      const StreamFigures& figures, bool at_end) {
  const bool proportional =
      at_end && figures.reported_output > 0 && figures.content_chars > 0;
  for (int i = 0; i < count_; ++i) {
    uint32_t tokens = 1;
    if (proportional) {
      tokens = static_cast<uint32_t>(std::max<int64_t>(
          1, std::llround(static_cast<double>(figures.reported_output) *
                          chars_[i] /
                          static_cast<double>(figures.content_chars))));
    }
    recorder.RecordChunkGap(tag, gap_ns_[i], tokens);
  }
  count_ = 0;
}

}  // namespace loadgate::engine
