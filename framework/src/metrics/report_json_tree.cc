#include "metrics/report_json_tree.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "metrics/json_document.h"

namespace loadgate {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of the 4 hex digits at `text[at]`, or -1.
int32_t Hex4(std::string_view text, size_t at) {
  if (at + 4 > text.size()) return -1;
  int32_t value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    const int digit = IsDigit(c)             ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// `raw`, the bytes between a string's quotes, with its escapes decoded;
// false for an escape JSON does not have or a lone surrogate.
bool DecodeEscapes(std::string_view raw, std::string& out) {
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    if (raw[i] != '\\') {
      out += raw[i++];
      continue;
    }
    // The scan that found the closing quote skipped the escaped byte, so
    // it is there.
    const char escape = raw[i + 1];
    i += 2;
    switch (escape) {
      case '"':
      case '\\':
      case '/':
        out += escape;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        int32_t code_point = Hex4(raw, i);
        if (code_point < 0 || (code_point >= 0xDC00 && code_point <= 0xDFFF)) {
          return false;
        }
        i += 4;
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
          // A high surrogate: the low one must follow.
          const int32_t low =
              i + 1 < raw.size() && raw[i] == '\\' && raw[i + 1] == 'u'
                  ? Hex4(raw, i + 2)
                  : -1;
          if (low < 0xDC00 || low > 0xDFFF) return false;
          code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(out, static_cast<uint32_t>(code_point));
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

// Recursive descent over the text, appending each value to the tree before
// what it holds. Every check ParseJsonDocument makes (syntax, UTF-8,
// number range, duplicate keys, depth) is made here, without the words:
// any failure is just false.
class JsonTree::Parser {
 public:
  Parser(std::string_view text, JsonTree& tree)
      : at_(text.data()), end_(text.data() + text.size()), tree_(tree) {}

  bool ParseDocument() {
    // nlohmann skips a UTF-8 byte order mark.
    if (end_ - at_ >= 3 && std::memcmp(at_, "\xEF\xBB\xBF", 3) == 0) at_ += 3;
    SkipWhitespace();
    if (!ParseValue(0)) return false;
    SkipWhitespace();
    // nlohmann takes a NUL byte for the end of the input (of a C string):
    // whatever follows one is ignored.
    return at_ == end_ || *at_ == '\0';
  }

 private:
  // `depth`: the containers open around the value.
  bool ParseValue(int depth) {
    if (at_ == end_) return false;
    tree_.values_.emplace_back();
    const size_t index = tree_.values_.size() - 1;
    switch (*at_) {
      case '{':
        return ParseContainer(index, depth + 1, Type::kObject);
      case '[':
        return ParseContainer(index, depth + 1, Type::kArray);
      case '"': {
        const char* data = nullptr;
        uint32_t size = 0;
        if (!ParseString(data, size)) return false;
        Value& value = tree_.values_[index];
        value.type_ = Type::kString;
        value.scalar_.string = data;
        value.size_ = size;
        return true;
      }
      case 't':
        return ParseLiteral("true", Type::kBoolean, true, index);
      case 'f':
        return ParseLiteral("false", Type::kBoolean, false, index);
      case 'n':
        return ParseLiteral("null", Type::kNull, false, index);
      default:
        return ParseNumber(tree_.values_[index]);
    }
  }

  // An array or an object, `type` telling which.
  bool ParseContainer(size_t index, int depth, Type type) {
    if (depth > kMaxJsonDepth) return false;
    const char close = type == Type::kObject ? '}' : ']';
    ++at_;
    SkipWhitespace();
    uint32_t count = 0;
    if (at_ != end_ && *at_ == close) {
      ++at_;
    } else {
      for (;; ++count) {
        if (!(type == Type::kObject ? ParseMember(depth) : ParseValue(depth))) {
          return false;
        }
        SkipWhitespace();
        if (at_ == end_) return false;
        const char next = *at_++;
        if (next == close) break;
        if (next != ',') return false;
        SkipWhitespace();
      }
      ++count;
    }
    Value& value = tree_.values_[index];
    value.type_ = type;
    value.size_ = count;
    value.span_ = static_cast<uint32_t>(tree_.values_.size() - index);
    return type != Type::kObject || !HasDuplicateKey(value);
  }

  // An object's "name": value.
  bool ParseMember(int depth) {
    const char* key = nullptr;
    uint32_t key_size = 0;
    if (at_ == end_ || *at_ != '"' || !ParseString(key, key_size)) {
      return false;
    }
    SkipWhitespace();
    if (at_ == end_ || *at_++ != ':') return false;
    SkipWhitespace();
    const size_t member = tree_.values_.size();
    if (!ParseValue(depth)) return false;
    tree_.values_[member].key_ = key;
    tree_.values_[member].key_size_ = key_size;
    return true;
  }

  static bool HasDuplicateKey(const Value& object) {
    // Objects of a report have a few members: comparing each pair is
    // cheapest. Many members (only a hostile text has them) are sorted.
    constexpr size_t kPairwiseMax = 16;
    if (object.size() <= kPairwiseMax) {
      for (auto a = object.begin(); a != object.end(); ++a) {
        auto b = a;
        for (++b; b != object.end(); ++b) {
          if (a->key() == b->key()) return true;
        }
      }
      return false;
    }
    std::vector<std::string_view> keys;
    keys.reserve(object.size());
    for (const Value& member : object) keys.push_back(member.key());
    std::sort(keys.begin(), keys.end());
    return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
  }

  // At the opening quote: the string's bytes, pointing into the text, or
  // when it holds escapes into the tree's decoded strings.
  bool ParseString(const char*& data, uint32_t& size) {
    const char* start = ++at_;
    bool escaped = false;
    bool ascii = true;
    for (;; ++at_) {
      if (at_ == end_) return false;
      const auto byte = static_cast<unsigned char>(*at_);
      if (byte == '"') break;
      if (byte < 0x20) return false;  // control characters are escaped
      if (byte >= 0x80) ascii = false;
      if (byte == '\\') {
        escaped = true;
        if (++at_ == end_) return false;
        if (static_cast<unsigned char>(*at_) < 0x20) return false;
      }
    }
    const std::string_view raw(start, static_cast<size_t>(at_ - start));
    ++at_;
    if (!ascii && FindInvalidUtf8(raw)) return false;
    if (!escaped) {
      data = raw.data();
      size = static_cast<uint32_t>(raw.size());
      return true;
    }
    std::string& decoded = tree_.decoded_.emplace_back();
    if (!DecodeEscapes(raw, decoded)) return false;
    data = decoded.data();
    size = static_cast<uint32_t>(decoded.size());
    return true;
  }

  bool ParseLiteral(std::string_view word, Type type, bool boolean,
                    size_t index) {
    if (static_cast<size_t>(end_ - at_) < word.size() ||
        std::memcmp(at_, word.data(), word.size()) != 0) {
      return false;
    }
    at_ += word.size();
    Value& value = tree_.values_[index];
    value.type_ = type;
    value.scalar_.boolean = boolean;
    return true;
  }

  // JSON's number grammar; typed and converted as nlohmann does it.
  bool ParseNumber(Value& value) {
    const char* start = at_;
    const bool negative = *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || !IsDigit(*at_)) return false;
    if (*at_++ != '0') SkipDigits();
    bool integral = true;
    if (at_ != end_ && *at_ == '.') {
      integral = false;
      ++at_;
      if (at_ == end_ || !IsDigit(*at_)) return false;
      SkipDigits();
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
      integral = false;
      ++at_;
      if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
      if (at_ == end_ || !IsDigit(*at_)) return false;
      SkipDigits();
    }
    if (integral) {
      // An integer beyond 64 bits becomes a float, as in nlohmann.
      const auto parsed =
          negative
              ? std::from_chars(start, at_, value.scalar_.integer)
              : std::from_chars(start, at_, value.scalar_.unsigned_integer);
      if (parsed.ec == std::errc()) {
        value.type_ = negative ? Type::kInteger : Type::kUnsigned;
        return true;
      }
    }
    value.type_ = Type::kFloat;
    if (std::from_chars(start, at_, value.scalar_.number).ec == std::errc()) {
      return true;
    }
    // Out of range: nlohmann takes strtod's answer (0 or a denormal on
    // underflow) and refuses only infinity.
    value.scalar_.number =
        std::strtod(std::string(start, at_).c_str(), nullptr);
    return std::isfinite(value.scalar_.number);
  }

  void SkipDigits() {
    while (at_ != end_ && IsDigit(*at_)) ++at_;
  }

  void SkipWhitespace() {
    // Reports are indented: whitespace is half their bytes.
    while (at_ != end_ && static_cast<unsigned char>(*at_) <= ' ' &&
           (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) {
      ++at_;
    }
  }

  const char* at_;
  const char* end_;
  JsonTree& tree_;
};

std::optional<JsonTree> JsonTree::Parse(std::string_view text) {
  if (text.size() >= UINT32_MAX) return std::nullopt;
  JsonTree tree;
  // About one value per 6 bytes in a report: one allocation, mostly.
  tree.values_.reserve(text.size() / 6 + 1);
  if (!Parser(text, tree).ParseDocument()) return std::nullopt;
  return tree;
}

const char* JsonTree::Value::type_name() const {
  switch (type_) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
    default:
      return "number";
  }
}

const JsonTree::Value* JsonTree::Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Value& member : *this) {
    if (member.key() == key) return &member;
  }
  return nullptr;
}

}  // namespace loadgate
