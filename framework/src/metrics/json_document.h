// Reading JSON that came from outside (config files, reports given to
// `loadgate compare`): a parse that names the field path of whatever it
// rejects, refuses duplicate keys and absurd nesting, and the UTF-8 hygiene
// that keeps hostile bytes from breaking the error messages that quote them.
#ifndef LOADGATE_METRICS_JSON_DOCUMENT_H_
#define LOADGATE_METRICS_JSON_DOCUMENT_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace loadgate {

// Ordered, so values keep the file's order (headers, error messages).
using JsonDocument = nlohmann::ordered_json;

// Objects and lists nested deeper than this are refused: no real config or
// report comes close, and a cap keeps recursive consumers off the stack's end.
inline constexpr int kMaxJsonDepth = 100;

// Why a document was refused and where: `line` and `column` are 1-based (0
// when unknown), `path` is the field being read ("load.rate", "tags[2]"),
// empty for the document as a whole. what() is "line L, column C: message".
class JsonDocumentError : public std::runtime_error {
 public:
  JsonDocumentError(int line, int column, std::string path,
                    std::string message);

  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  int line_;
  int column_;
  std::string path_;
  std::string message_;
};

// Assembles a document value by value as a parser reads it, and knows the
// path of the value being read. Used by ParseJsonDocument and by the YAML
// reader, so both refuse the same things in the same words.
class JsonDocumentBuilder {
 public:
  // The next value: the root, the next element of the open list, or the
  // value of the key just given. Returns it as placed in the document.
  JsonDocument* Add(JsonDocument value);
  // Add()s an empty object or list and reads into it until Close(). Throws
  // JsonDocumentError beyond kMaxJsonDepth.
  JsonDocument* Open(JsonDocument empty_container);
  // Ends the innermost open object or list and returns it.
  const JsonDocument* Close();
  // The next member's name. Throws JsonDocumentError for a duplicate.
  void Key(std::string key);
  // Whether the innermost open value is an object waiting for a key.
  bool ExpectsKey() const;
  // "load.rate", "requests[2].headers": the value being read.
  std::string Path() const;
  JsonDocument Take() { return std::move(root_); }

 private:
  struct Frame {
    JsonDocument* value;
    std::unordered_set<std::string> keys;  // objects: the keys seen so far
    std::string key;                       // objects: the member being read
    bool in_value = false;                 // objects: `key` awaits its value
  };

  JsonDocument root_;
  std::vector<Frame> open_;
};

// Parses one JSON value filling all of `text`. Numbers out of double range,
// invalid UTF-8, duplicate keys, nesting deeper than kMaxJsonDepth and
// syntax errors throw JsonDocumentError; nothing else escapes.
JsonDocument ParseJsonDocument(std::string_view text);

// The offset of the first byte of `text` that is not part of well-formed
// UTF-8 (overlongs, surrogates and code points above U+10FFFF included), or
// nullopt when all of it is.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// The longest prefix of `text` no longer than `max_bytes` that does not end
// inside a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// `text` with every byte that is not part of well-formed UTF-8, and every
// control character, written as \xHH: any bytes can then be quoted on one
// line of a message, printed to a terminal or dumped into a JSON string.
std::string EscapeUnprintable(std::string_view text);

// 1-based line and column of byte `offset` of `text`.
std::pair<int, int> LineAndColumn(std::string_view text, size_t offset);

}  // namespace loadgate

#endif  // LOADGATE_METRICS_JSON_DOCUMENT_H_
