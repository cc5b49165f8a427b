#ifndef LOADGATE_HTTP_JSON_SCAN_H_
#define LOADGATE_HTTP_JSON_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// A small allocation-free JSON reader for per-chunk work on hot paths:
// values are views into the document text, objects and arrays are walked in
// place, and strings are compared or measured without being decoded into a
// buffer (or decoded into the caller's reused one). Anything that needs a DOM
// should use nlohmann-json instead.
namespace loadgate::http::json {

enum class Type { kInvalid, kObject, kArray, kString, kNumber, kBool, kNull };

// One JSON value's text exactly as it appears in the document, including
// quotes or brackets.
struct Value {
  std::string_view text;

  Type type() const;
  bool is_null() const { return type() == Type::kNull; }
  bool is_object() const { return type() == Type::kObject; }
  bool is_array() const { return type() == Type::kArray; }
};

// Validates `text` as exactly one JSON value (RFC 8259 grammar, nesting up
// to kMaxDepth) with optional surrounding whitespace.
bool Parse(std::string_view text, Value* value);

inline constexpr int kMaxDepth = 64;

// What ObjectReader and ArrayReader share: the walk's position in a
// container's text, and whether it ended and was well-formed.
class ContainerCursor {
 public:
  // After Next returned false: whether the container was well-formed
  // through its closing bracket, and the position just past that bracket.
  bool ok() const { return ok_; }
  size_t end() const { return pos_; }

 protected:
  ContainerCursor(std::string_view text, char open)
      : text_(text), finished_(text.empty() || text.front() != open) {}
  // Moves to the start of the next item of a container closed by `close`,
  // consuming the ','; false at the end (ok() set) or at malformed input.
  bool ToNextItem(char close);

  std::string_view text_;
  size_t pos_ = 1;
  bool first_ = true;
  bool finished_ = false;
  bool ok_ = false;
};

// Walks an object's members in document order, validating as it goes, so
// it can be used on unvalidated text that starts with '{' (a document is
// then checked in the same pass that reads it).
class ObjectReader : public ContainerCursor {
 public:
  explicit ObjectReader(Value object) : ContainerCursor(object.text, '{') {}
  // Yields the next member; `raw_key` is the key's text between the quotes
  // (escapes not decoded; see KeyEquals). False at the end or at malformed
  // input.
  bool Next(std::string_view* raw_key, Value* value);
};

// Walks an array's elements like ObjectReader walks members.
class ArrayReader : public ContainerCursor {
 public:
  explicit ArrayReader(Value array) : ContainerCursor(array.text, '[') {}
  bool Next(Value* value);
};

// Whether a raw key (text between the quotes) decodes to `name`.
bool KeyEquals(std::string_view raw_key, std::string_view name);
// Whether a string value decodes to `expected`; false for non-strings.
bool StringEquals(Value value, std::string_view expected);
// Length in UTF-8 bytes of a string value once decoded (each escape counts
// the bytes it decodes to; a lone surrogate counts as U+FFFD, 3 bytes);
// 0 for non-strings.
size_t DecodedStringSize(Value value);
// Appends a string value's decoded UTF-8 text to `out` (escapes decoded as
// DecodedStringSize counts them); nothing for non-strings.
void AppendDecodedString(Value value, std::string* out);
// An integral number that fits in int64_t (an exponent-free literal, or one
// like 1.0 / 1e3 whose value is integral); false otherwise.
bool ToInt64(Value value, int64_t* out);

}  // namespace loadgate::http::json

#endif  // LOADGATE_HTTP_JSON_SCAN_H_
