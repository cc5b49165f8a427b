// The allocation-free JSON scanner and what is built on it: one streamed
// LLM chunk (InspectLlmChunk) and one whole response body
// (InspectLlmResponse), both read from unvalidated bytes a server sent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "http/json_scan.h"
#include "http/llm_chunk.h"

namespace {

namespace json = loadgate::http::json;

// Visits every value of a validated document through the readers and the
// string helpers, as the chunk inspection does on the fields it knows.
void Walk(json::Value value, int depth) {
  switch (value.type()) {
    case json::Type::kObject: {
      json::ObjectReader reader(value);
      std::string_view key;
      json::Value member;
      while (reader.Next(&key, &member)) {
        json::KeyEquals(key, "usage");
        json::KeyEquals(key, "\xC3\xA9\n");
        Walk(member, depth + 1);
      }
      loadgate::fuzz::Expect(reader.ok(), "a validated object reads whole");
      break;
    }
    case json::Type::kArray: {
      json::ArrayReader reader(value);
      json::Value element;
      while (reader.Next(&element)) Walk(element, depth + 1);
      loadgate::fuzz::Expect(reader.ok(), "a validated array reads whole");
      break;
    }
    case json::Type::kString:
      loadgate::fuzz::Expect(
          json::DecodedStringSize(value) <= value.text.size() - 2,
          "escapes never decode to more bytes than they take");
      json::StringEquals(value, "message_stop");
      break;
    case json::Type::kNumber: {
      int64_t number = 0;
      json::ToInt64(value, &number);
      break;
    }
    default:
      break;
  }
  loadgate::fuzz::Expect(depth <= json::kMaxDepth, "nesting is bounded");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libFuzzer hands over a heap buffer of exactly `size` bytes, so a read
  // past the end of the text is caught.
  const std::string_view text = loadgate::fuzz::AsText(data, size);
  loadgate::http::InspectLlmChunk(text);
  loadgate::http::InspectLlmResponse(text);
  json::Value document;
  if (json::Parse(text, &document)) Walk(document, 0);
  return 0;
}
