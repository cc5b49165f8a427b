#include "http/json_scan.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "http/text.h"

namespace loadgate::http::json {
namespace {

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t SkipWhitespace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsWhitespace(text[pos])) ++pos;
  return pos;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the 4 hex digits at `pos`; -1 if they are not there.
int ReadHex4(std::string_view text, size_t pos) {
  if (pos + 4 > text.size()) return -1;
  int value = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int digit = HexDigit(text[pos + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// `pos` is just past the opening quote; returns the position just past the
// closing quote.
size_t ScanString(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c == '"') return pos + 1;
    if (c < 0x20) return kNotFound;
    if (c != '\\') {
      ++pos;
      continue;
    }
    if (pos + 1 >= text.size()) return kNotFound;
    switch (text[pos + 1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        pos += 2;
        break;
      case 'u':
        if (ReadHex4(text, pos + 2) < 0) return kNotFound;
        pos += 6;
        break;
      default:
        return kNotFound;
    }
  }
  return kNotFound;
}

size_t ScanDigits(std::string_view text, size_t pos) {
  const size_t start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  return pos == start ? kNotFound : pos;
}

size_t ScanNumber(std::string_view text, size_t pos) {
  if (pos < text.size() && text[pos] == '-') ++pos;
  if (pos >= text.size()) return kNotFound;
  if (text[pos] == '0') {
    ++pos;
  } else {
    pos = ScanDigits(text, pos);
    if (pos == kNotFound) return kNotFound;
  }
  if (pos < text.size() && text[pos] == '.') {
    pos = ScanDigits(text, pos + 1);
    if (pos == kNotFound) return kNotFound;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    pos = ScanDigits(text, pos);
  }
  return pos;
}

size_t ScanLiteral(std::string_view text, size_t pos, std::string_view word) {
  return text.substr(pos, word.size()) == word ? pos + word.size() : kNotFound;
}

// Returns the position just past the value starting at `pos` (no leading
// whitespace), or kNotFound when it is not valid JSON.
size_t ScanValue(std::string_view text, size_t pos, int depth) {
  if (pos >= text.size()) return kNotFound;
  switch (text[pos]) {
    case '"':
      return ScanString(text, pos + 1);
    case 't':
      return ScanLiteral(text, pos, "true");
    case 'f':
      return ScanLiteral(text, pos, "false");
    case 'n':
      return ScanLiteral(text, pos, "null");
    case '{':
    case '[': {
      if (depth >= kMaxDepth) return kNotFound;
      const bool is_object = text[pos] == '{';
      const char close = is_object ? '}' : ']';
      pos = SkipWhitespace(text, pos + 1);
      if (pos < text.size() && text[pos] == close) return pos + 1;
      while (true) {
        if (is_object) {
          if (pos >= text.size() || text[pos] != '"') return kNotFound;
          pos = ScanString(text, pos + 1);
          if (pos == kNotFound) return kNotFound;
          pos = SkipWhitespace(text, pos);
          if (pos >= text.size() || text[pos] != ':') return kNotFound;
          pos = SkipWhitespace(text, pos + 1);
        }
        pos = ScanValue(text, pos, depth + 1);
        if (pos == kNotFound) return kNotFound;
        pos = SkipWhitespace(text, pos);
        if (pos >= text.size()) return kNotFound;
        if (text[pos] == close) return pos + 1;
        if (text[pos] != ',') return kNotFound;
        pos = SkipWhitespace(text, pos + 1);
      }
    }
    default:
      return ScanNumber(text, pos);
  }
}

struct DecodeResult {
  size_t size = 0;
  bool equal = true;
};

void EncodeUtf8(uint32_t code_point, char* out, size_t* length) {
  if (code_point < 0x80) {
    out[0] = static_cast<char>(code_point);
    *length = 1;
  } else if (code_point < 0x800) {
    out[0] = static_cast<char>(0xC0 | (code_point >> 6));
    out[1] = static_cast<char>(0x80 | (code_point & 0x3F));
    *length = 2;
  } else if (code_point < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (code_point >> 12));
    out[1] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (code_point & 0x3F));
    *length = 3;
  } else {
    out[0] = static_cast<char>(0xF0 | (code_point >> 18));
    out[1] = static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (code_point & 0x3F));
    *length = 4;
  }
}

enum class Step { kItem, kEnd, kError };

// Moves *pos (just past the opening bracket, or just past the previous
// item's value) to the start of the next item of a container closed by
// `close`, consuming the separating ','; at the end, past `close`.
Step StepToItem(std::string_view text, size_t* pos, bool* first, char close) {
  *pos = SkipWhitespace(text, *pos);
  if (*pos >= text.size()) return Step::kError;
  if (text[*pos] == close) {
    ++*pos;
    return Step::kEnd;
  }
  if (!*first) {
    if (text[*pos] != ',') return Step::kError;
    *pos = SkipWhitespace(text, *pos + 1);
    // The item must start inside the text: callers read its first byte.
    // A ',' before the closing bracket fails when the item is scanned.
    if (*pos >= text.size()) return Step::kError;
  }
  *first = false;
  return Step::kItem;
}

// Walks a validated raw string body (the text between the quotes) as it
// would decode, measuring its UTF-8 size, when `compare` is set checking
// the decoded bytes against it, and when `out` is set appending them to it.
// KeyEquals, StringEquals, DecodedStringSize and AppendDecodedString share
// it so that the escape rules live in one place (which is also why it is
// one long loop).
DecodeResult Decode(std::string_view raw, const std::string_view* compare,
                    std::string* out = nullptr) {
  DecodeResult result;
  size_t pos = 0;
  while (pos < raw.size()) {
    // Plain bytes between escapes are taken as one run.
    size_t run_end = raw.find('\\', pos);
    if (run_end == kNotFound) run_end = raw.size();
    if (run_end > pos) {
      const std::string_view run = raw.substr(pos, run_end - pos);
      if (compare != nullptr && result.equal &&
          compare->substr(result.size, run.size()) != run) {
        result.equal = false;
      }
      if (out != nullptr) out->append(run);
      result.size += run.size();
      pos = run_end;
      if (pos == raw.size()) break;
    }
    char decoded[4];
    size_t decoded_size = 1;
    const char escape = pos + 1 < raw.size() ? raw[pos + 1] : '\\';
    pos += 2;
    switch (escape) {
      case 'b':
        decoded[0] = '\b';
        break;
      case 'f':
        decoded[0] = '\f';
        break;
      case 'n':
        decoded[0] = '\n';
        break;
      case 'r':
        decoded[0] = '\r';
        break;
      case 't':
        decoded[0] = '\t';
        break;
      case 'u': {
        uint32_t code_point = static_cast<uint32_t>(ReadHex4(raw, pos));
        pos += 4;
        if (code_point >= 0xD800 && code_point < 0xDC00 &&
            pos + 6 <= raw.size() && raw[pos] == '\\' && raw[pos + 1] == 'u') {
          const int low = ReadHex4(raw, pos + 2);
          if (low >= 0xDC00 && low < 0xE000) {
            code_point = 0x10000 + ((code_point - 0xD800) << 10) +
                         (static_cast<uint32_t>(low) - 0xDC00);
            pos += 6;
          }
        }
        // A surrogate left unpaired decodes to U+FFFD, as decoders do.
        if (code_point >= 0xD800 && code_point < 0xE000) code_point = 0xFFFD;
        EncodeUtf8(code_point, decoded, &decoded_size);
        break;
      }
      default:  // '"', '\\', '/'
        decoded[0] = escape;
        break;
    }
    if (compare != nullptr && result.equal &&
        compare->substr(result.size, decoded_size) !=
            std::string_view(decoded, decoded_size)) {
      result.equal = false;
    }
    if (out != nullptr) out->append(decoded, decoded_size);
    result.size += decoded_size;
  }
  return result;
}

bool DecodedEquals(std::string_view raw, std::string_view expected) {
  // Escapes only ever make the raw text longer than the decoded text, so
  // most mismatches are settled by the sizes alone.
  if (raw.size() < expected.size()) return false;
  if (raw.size() == expected.size()) {
    return raw == expected && expected.find('\\') == kNotFound;
  }
  // Longer raw text needs an escape to match; until the first one the raw
  // bytes must match as they are, which rejects most keys in a byte or two.
  size_t i = 0;
  while (raw[i] != '\\') {
    if (i == expected.size() || raw[i] != expected[i]) return false;
    if (++i == raw.size()) return false;
  }
  const DecodeResult result = Decode(raw, &expected);
  return result.equal && result.size == expected.size();
}

std::string_view StringBody(Value value) {
  return value.text.substr(1, value.text.size() - 2);
}

}  // namespace

Type Value::type() const {
  if (text.empty()) return Type::kInvalid;
  switch (text.front()) {
    case '{':
      return Type::kObject;
    case '[':
      return Type::kArray;
    case '"':
      return Type::kString;
    case 't':
    case 'f':
      return Type::kBool;
    case 'n':
      return Type::kNull;
    default:
      return Type::kNumber;
  }
}

bool Parse(std::string_view text, Value* value) {
  const size_t start = SkipWhitespace(text, 0);
  const size_t end = ScanValue(text, start, 0);
  if (end == kNotFound || SkipWhitespace(text, end) != text.size()) {
    return false;
  }
  value->text = text.substr(start, end - start);
  return true;
}

bool ContainerCursor::ToNextItem(char close) {
  if (finished_) return false;
  switch (StepToItem(text_, &pos_, &first_, close)) {
    case Step::kEnd:
      finished_ = ok_ = true;
      return false;
    case Step::kError:
      finished_ = true;
      return false;
    case Step::kItem:
      return true;
  }
  return false;
}

bool ObjectReader::Next(std::string_view* raw_key, Value* value) {
  if (!ToNextItem('}')) return false;
  finished_ = true;  // until the member proves well-formed
  if (text_[pos_] != '"') return false;
  const size_t key_end = ScanString(text_, pos_ + 1);
  if (key_end == kNotFound) return false;
  const size_t colon = SkipWhitespace(text_, key_end);
  if (colon >= text_.size() || text_[colon] != ':') return false;
  const size_t value_start = SkipWhitespace(text_, colon + 1);
  const size_t value_end = ScanValue(text_, value_start, 0);
  if (value_end == kNotFound) return false;
  *raw_key = text_.substr(pos_ + 1, key_end - pos_ - 2);
  value->text = text_.substr(value_start, value_end - value_start);
  pos_ = value_end;
  finished_ = false;
  return true;
}

bool ArrayReader::Next(Value* value) {
  if (!ToNextItem(']')) return false;
  const size_t value_end = ScanValue(text_, pos_, 0);
  if (value_end == kNotFound) {
    finished_ = true;
    return false;
  }
  value->text = text_.substr(pos_, value_end - pos_);
  pos_ = value_end;
  return true;
}

bool KeyEquals(std::string_view raw_key, std::string_view name) {
  return DecodedEquals(raw_key, name);
}

bool StringEquals(Value value, std::string_view expected) {
  return value.type() == Type::kString &&
         DecodedEquals(StringBody(value), expected);
}

size_t DecodedStringSize(Value value) {
  if (value.type() != Type::kString) return 0;
  const std::string_view body = StringBody(value);
  if (body.find('\\') == kNotFound) return body.size();
  return Decode(body, nullptr).size;
}

void AppendDecodedString(Value value, std::string* out) {
  if (value.type() != Type::kString) return;
  Decode(StringBody(value), nullptr, out);
}

bool ToInt64(Value value, int64_t* out) {
  if (value.type() != Type::kNumber) return false;
  const char* begin = value.text.data();
  const char* end = begin + value.text.size();
  int64_t integer = 0;
  const auto [int_end, int_error] = std::from_chars(begin, end, integer);
  if (int_error == std::errc() && int_end == end) {
    *out = integer;
    return true;
  }
  // Fractions or exponents ("12.0", "1e3") that are still whole numbers.
  double real = 0;
  const auto [real_end, real_error] = std::from_chars(begin, end, real);
  // 2^63 is the first double beyond int64_t's range.
  constexpr double kInt64Limit = 9223372036854775808.0;
  if (real_error != std::errc() || real_end != end ||
      real != std::floor(real) || real >= kInt64Limit || real < -kInt64Limit) {
    return false;
  }
  *out = static_cast<int64_t>(real);
  return true;
}

}  // namespace loadgate::http::json
