#include "http/llm_chunk.h"

#include <cstdint>
#include <limits>
#include <string_view>

#include "http/json_scan.h"
#include "http/text.h"

namespace loadgate::http {
namespace {

using json::ArrayReader;
using json::KeyEquals;
using json::ObjectReader;
using json::Type;
using json::Value;

bool IsObject(Value value) { return value.type() == Type::kObject; }
bool IsArray(Value value) { return value.type() == Type::kArray; }

// Stores a token count when the value is a non-negative integer.
void ReadTokenCount(Value value, int32_t* out) {
  int64_t count = 0;
  if (json::ToInt64(value, &count) && count >= 0 &&
      count <= std::numeric_limits<int32_t>::max()) {
    *out = static_cast<int32_t>(count);
  }
}

void AddTextLength(Value value, LlmChunk* chunk) {
  if (value.type() != Type::kString) return;  // e.g. OpenAI "content": null
  const size_t size = json::DecodedStringSize(value);
  const uint64_t total = uint64_t{chunk->content_chars} + size;
  chunk->content_chars = total > std::numeric_limits<uint32_t>::max()
                             ? std::numeric_limits<uint32_t>::max()
                             : static_cast<uint32_t>(total);
}

// Reads token counts from a usage object of any provider: OpenAI
// {prompt_tokens, completion_tokens}, Anthropic {input_tokens,
// output_tokens}, Gemini usageMetadata {promptTokenCount,
// candidatesTokenCount}.
void ReadUsage(Value usage, bool output_is_placeholder, LlmChunk* chunk) {
  if (!IsObject(usage)) return;
  ObjectReader reader(usage);
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (KeyEquals(key, "prompt_tokens") || KeyEquals(key, "input_tokens") ||
        KeyEquals(key, "promptTokenCount")) {
      ReadTokenCount(value, &chunk->prompt_tokens);
    } else if (KeyEquals(key, "completion_tokens") ||
               KeyEquals(key, "candidatesTokenCount") ||
               (KeyEquals(key, "output_tokens") && !output_is_placeholder)) {
      ReadTokenCount(value, &chunk->output_tokens);
    }
  }
}

// OpenAI choices[]: delta.content (chat) or text (completions).
void ReadOpenAiChoices(Value choices, LlmChunk* chunk) {
  if (!IsArray(choices)) return;
  ArrayReader choice_reader(choices);
  Value choice;
  while (choice_reader.Next(&choice)) {
    if (!IsObject(choice)) continue;
    ObjectReader reader(choice);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (KeyEquals(key, "text")) {
        AddTextLength(value, chunk);
      } else if (KeyEquals(key, "delta") && IsObject(value)) {
        ObjectReader delta_reader(value);
        std::string_view delta_key;
        Value delta_value;
        while (delta_reader.Next(&delta_key, &delta_value)) {
          if (KeyEquals(delta_key, "content")) {
            AddTextLength(delta_value, chunk);
          }
        }
      }
    }
  }
}

// Gemini / Vertex AI candidates[]: content.parts[].text; a finishReason
// marks the last chunk.
void ReadGeminiCandidates(Value candidates, LlmChunk* chunk) {
  if (!IsArray(candidates)) return;
  ArrayReader candidate_reader(candidates);
  Value candidate;
  while (candidate_reader.Next(&candidate)) {
    if (!IsObject(candidate)) continue;
    ObjectReader reader(candidate);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (KeyEquals(key, "finishReason")) {
        chunk->done = chunk->done || !value.is_null();
      } else if (KeyEquals(key, "content") && IsObject(value)) {
        ObjectReader content_reader(value);
        std::string_view content_key;
        Value parts;
        while (content_reader.Next(&content_key, &parts)) {
          if (!KeyEquals(content_key, "parts") || !IsArray(parts)) continue;
          ArrayReader part_reader(parts);
          Value part;
          while (part_reader.Next(&part)) {
            if (!IsObject(part)) continue;
            ObjectReader part_fields(part);
            std::string_view part_key;
            Value part_value;
            while (part_fields.Next(&part_key, &part_value)) {
              if (KeyEquals(part_key, "text")) AddTextLength(part_value, chunk);
            }
          }
        }
      }
    }
  }
}

// Anthropic content_block_delta {"delta": {"type": "text_delta", "text"}};
// other delta types (input_json_delta, thinking_delta) carry no "text".
void ReadAnthropicDelta(Value delta, LlmChunk* chunk) {
  if (!IsObject(delta)) return;
  ObjectReader reader(delta);
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (KeyEquals(key, "text")) AddTextLength(value, chunk);
  }
}

// Anthropic message_start {"message": {"usage": {"input_tokens": ...}}}.
// Its output_tokens is a running count that the final message_delta
// supersedes, so only the input count is taken from it.
void ReadAnthropicMessage(Value message, LlmChunk* chunk) {
  if (!IsObject(message)) return;
  ObjectReader reader(message);
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (KeyEquals(key, "usage")) {
      ReadUsage(value, /*output_is_placeholder=*/true, chunk);
    }
  }
}

// Reads the top-level usage of one response object into `usage`, which it
// leaves alone when the object is malformed. Returns the position just past
// the object, or npos when it is malformed.
size_t ReadResponseObjectUsage(Value object, LlmUsage* usage) {
  LlmChunk counts;
  ObjectReader reader(object);
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (KeyEquals(key, "usage") || KeyEquals(key, "usageMetadata")) {
      ReadUsage(value, /*output_is_placeholder=*/false, &counts);
    }
  }
  if (!reader.ok()) return std::string_view::npos;
  if (counts.prompt_tokens >= 0) usage->prompt_tokens = counts.prompt_tokens;
  if (counts.output_tokens >= 0) usage->output_tokens = counts.output_tokens;
  return reader.end();
}

}  // namespace

LlmUsage InspectLlmResponse(std::string_view json) {
  const std::string_view text = Trim(json, " \t\r\n");
  LlmUsage usage;
  // Most JSON answers a load test sees (database APIs, say) report no
  // usage: a substring search is several times cheaper than walking the
  // document. (A key spelled with escapes, "\u0075sage", is missed.)
  if (text.find("usage") == std::string_view::npos) return usage;
  if (text.front() == '{') {
    const size_t end = ReadResponseObjectUsage(Value{text}, &usage);
    return end == text.size() ? usage : LlmUsage();
  }
  if (text.front() != '[') return usage;
  ArrayReader reader(Value{text});
  Value element;
  while (reader.Next(&element)) {
    if (IsObject(element)) ReadResponseObjectUsage(element, &usage);
  }
  return reader.ok() && reader.end() == text.size() ? usage : LlmUsage();
}

LlmChunk InspectLlmChunk(std::string_view json_or_done) {
  LlmChunk chunk;
  const std::string_view text = Trim(json_or_done, " \t\r\n");
  if (text == "[DONE]") {
    chunk.done = true;
    return chunk;
  }
  // The root reader validates the document while reading it (members it
  // descends into are scanned again, but are small).
  ObjectReader reader(Value{text});
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (KeyEquals(key, "choices")) {
      ReadOpenAiChoices(value, &chunk);
    } else if (KeyEquals(key, "candidates")) {
      ReadGeminiCandidates(value, &chunk);
    } else if (KeyEquals(key, "usage") || KeyEquals(key, "usageMetadata")) {
      // OpenAI final usage chunk, Anthropic message_delta, Gemini.
      ReadUsage(value, /*output_is_placeholder=*/false, &chunk);
    } else if (KeyEquals(key, "delta")) {
      ReadAnthropicDelta(value, &chunk);
    } else if (KeyEquals(key, "message")) {
      ReadAnthropicMessage(value, &chunk);
    } else if (KeyEquals(key, "type")) {
      if (json::StringEquals(value, "message_stop")) chunk.done = true;
      if (json::StringEquals(value, "error")) chunk.is_error = true;
    } else if (KeyEquals(key, "error")) {
      chunk.is_error = chunk.is_error || !value.is_null();
    }
  }
  if (!reader.ok() || reader.end() != text.size()) {
    // Not one JSON object: whatever was read from it is not trusted.
    LlmChunk broken;
    broken.is_error = true;
    return broken;
  }
  return chunk;
}

}  // namespace loadgate::http
