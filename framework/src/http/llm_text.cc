#include "http/llm_text.h"

#include "http/json_scan.h"

namespace loadgate::http {
namespace {

using json::ArrayReader;
using json::KeyEquals;
using json::ObjectReader;
using json::Value;

// Collects the answer's strings into `out` up to `limit` bytes.
class AnswerCollector {
 public:
  AnswerCollector(size_t limit, std::string& out) : limit_(limit), out_(out) {}

  bool fits() const { return fits_; }

  // The document's answer text, by the shapes AppendLlmAnswerText lists.
  void ReadDocument(Value document) {
    if (document.is_array()) {
      ArrayReader elements(document);
      Value element;
      while (elements.Next(&element)) ReadObject(element);
      return;
    }
    ReadObject(document);
  }

 private:
  void ReadObject(Value object) {
    if (!object.is_object()) return;
    ObjectReader reader(object);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (KeyEquals(key, "choices")) {
        ReadOpenAiChoice(First(value));
      } else if (KeyEquals(key, "candidates")) {
        ReadGeminiCandidate(First(value));
      } else if (KeyEquals(key, "delta")) {
        ReadMember(value, "text");  // Anthropic content_block_delta
      } else if (KeyEquals(key, "content") && value.is_array()) {
        ReadEachMember(value, "text");  // Anthropic whole message
      }
    }
  }

  // OpenAI: delta.content (streamed chat), message.content (whole chat),
  // text (completions).
  void ReadOpenAiChoice(Value choice) {
    if (!choice.is_object()) return;
    ObjectReader reader(choice);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (KeyEquals(key, "delta") || KeyEquals(key, "message")) {
        ReadMember(value, "content");
      } else if (KeyEquals(key, "text")) {
        Take(value);
      }
    }
  }

  // Gemini / Vertex AI: content.parts[].text.
  void ReadGeminiCandidate(Value candidate) {
    if (!candidate.is_object()) return;
    ObjectReader reader(candidate);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (!KeyEquals(key, "content") || !value.is_object()) continue;
      ObjectReader content(value);
      std::string_view content_key;
      Value parts;
      while (content.Next(&content_key, &parts)) {
        if (KeyEquals(content_key, "parts") && parts.is_array()) {
          ReadEachMember(parts, "text");
        }
      }
    }
  }

  // The string member `name` of each object in `array`.
  void ReadEachMember(Value array, std::string_view name) {
    ArrayReader elements(array);
    Value element;
    while (elements.Next(&element)) ReadMember(element, name);
  }

  // The string member `name` of `object`.
  void ReadMember(Value object, std::string_view name) {
    if (!object.is_object()) return;
    ObjectReader reader(object);
    std::string_view key;
    Value value;
    while (reader.Next(&key, &value)) {
      if (KeyEquals(key, name)) Take(value);
    }
  }

  static Value First(Value array) {
    Value first;
    if (!array.is_array()) return first;
    ArrayReader elements(array);
    if (!elements.Next(&first)) return Value{};
    return first;
  }

  void Take(Value text) {
    if (!fits_ || text.type() != json::Type::kString) return;
    if (out_.size() + json::DecodedStringSize(text) > limit_) {
      fits_ = false;
      return;
    }
    json::AppendDecodedString(text, &out_);
  }

  size_t limit_;
  std::string& out_;
  bool fits_ = true;
};

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run_start, i - run_start));
    run_start = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
      case '\\':
        out.push_back(static_cast<char>(c));
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
        break;
    }
  }
  out.append(text.substr(run_start));
  out.push_back('"');
}

bool AppendLlmAnswerText(std::string_view json, size_t limit,
                         std::string& out) {
  Value document;
  // Validated first, so that a malformed document adds nothing.
  if (!json::Parse(json, &document)) return true;
  AnswerCollector collector(limit, out);
  collector.ReadDocument(document);
  return collector.fits();
}

}  // namespace loadgate::http
