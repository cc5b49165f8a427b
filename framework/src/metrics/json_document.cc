#include "metrics/json_document.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <unordered_set>
#include <utility>
#include <vector>

namespace loadgate {
namespace {

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence at `pos` (RFC 3629, table 3-7
// of the Unicode standard), or 0 when the bytes there are not one.
size_t SequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // overlong
    if (lead == 0xED) second_max = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // overlong
    if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(byte(i))) return 0;
  }
  return length;
}

// nlohmann's SAX events into a JsonDocumentBuilder; syntax errors become
// JsonDocumentError with the position and the path reached.
class SaxToBuilder {
 public:
  explicit SaxToBuilder(std::string_view text) : text_(text) {}

  JsonDocument Take() { return builder_.Take(); }

  bool null() { return Add(nullptr); }
  bool boolean(bool value) { return Add(value); }
  bool number_integer(int64_t value) { return Add(value); }
  bool number_unsigned(uint64_t value) { return Add(value); }
  bool number_float(double value, const std::string& /*text*/) {
    return Add(value);
  }
  bool string(std::string& value) { return Add(std::move(value)); }
  bool binary(JsonDocument::binary_t& value) { return Add(std::move(value)); }
  bool start_object(size_t /*size*/) {
    builder_.Open(JsonDocument::object());
    return true;
  }
  bool start_array(size_t /*size*/) {
    builder_.Open(JsonDocument::array());
    return true;
  }
  bool end_object() {
    builder_.Close();
    return true;
  }
  bool end_array() { return end_object(); }
  bool key(std::string& key) {
    builder_.Key(std::move(key));
    return true;
  }

  bool parse_error(size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) {
    // nlohmann counts the byte it stopped on; point at it, or for a number
    // out of range at the number's first digit.
    size_t offset = position == 0 ? 0 : position - 1;
    if (error.id == 406 && offset + 1 >= last_token.size()) {
      offset -= last_token.size() - 1;
    }
    const auto [line, column] = LineAndColumn(text_, offset);
    std::string detail = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: x"
    // and "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    // both keep only their last part: the position is reported our way.
    if (size_t bracket = detail.find("] "); bracket != std::string::npos) {
      detail.erase(0, bracket + 2);
    }
    if (detail.starts_with("parse error")) {
      if (size_t colon = detail.find(": "); colon != std::string::npos) {
        detail.erase(0, colon + 2);
      }
    }
    if (error.id == 406) detail = "number out of range: " + last_token;
    throw JsonDocumentError(line, column, builder_.Path(),
                            EscapeUnprintable(detail));
  }

 private:
  bool Add(JsonDocument&& value) {
    builder_.Add(std::move(value));
    return true;
  }

  std::string_view text_;
  JsonDocumentBuilder builder_;
};

}  // namespace

JsonDocumentError::JsonDocumentError(int line, int column, std::string path,
                                     std::string message)
    : std::runtime_error((line > 0
                              ? "line " + std::to_string(line) + ", column " +
                                    std::to_string(column) + ": "
                              : std::string()) +
                         (path.empty() ? "" : path + ": ") + message),
      line_(line),
      column_(column),
      path_(std::move(path)),
      message_(std::move(message)) {}

JsonDocument* JsonDocumentBuilder::Add(JsonDocument value) {
  if (open_.empty()) {
    root_ = std::move(value);
    return &root_;
  }
  Frame& parent = open_.back();
  if (parent.value->is_array()) {
    parent.value->push_back(std::move(value));
    return &parent.value->back();
  }
  // ordered_json's own insertion searches the members one by one; the key
  // set has already ruled out a duplicate, so append directly.
  auto& members = parent.value->get_ref<JsonDocument::object_t&>();
  members.emplace_back(parent.key, std::move(value));
  parent.in_value = false;
  return &members.back().second;
}

JsonDocument* JsonDocumentBuilder::Open(JsonDocument empty_container) {
  if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
    throw JsonDocumentError(
        0, 0, Path(),
        "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  JsonDocument* value = Add(std::move(empty_container));
  // Until it closes, the parent is still reading this member.
  if (!open_.empty() && open_.back().value->is_object()) {
    open_.back().in_value = true;
  }
  open_.push_back({value, {}, {}, false});
  return value;
}

const JsonDocument* JsonDocumentBuilder::Close() {
  const JsonDocument* closed = open_.back().value;
  open_.pop_back();
  if (!open_.empty()) open_.back().in_value = false;
  return closed;
}

void JsonDocumentBuilder::Key(std::string key) {
  Frame& frame = open_.back();
  if (!frame.keys.insert(key).second) {
    throw JsonDocumentError(0, 0, Path(), "duplicate field \"" + key + "\"");
  }
  frame.key = std::move(key);
  frame.in_value = true;
}

bool JsonDocumentBuilder::ExpectsKey() const {
  return !open_.empty() && open_.back().value->is_object() &&
         !open_.back().in_value;
}

std::string JsonDocumentBuilder::Path() const {
  std::string path;
  for (size_t i = 0; i < open_.size(); ++i) {
    const Frame& frame = open_[i];
    if (frame.value->is_array()) {
      // An open child is the last element; otherwise the next one is read.
      const size_t size = frame.value->size();
      path += '[';
      path += std::to_string(i + 1 == open_.size() ? size : size - 1);
      path += ']';
    } else if (frame.in_value) {
      if (!path.empty()) path += '.';
      path += frame.key;
    }
  }
  return path;
}

JsonDocument ParseJsonDocument(std::string_view text) {
  SaxToBuilder sax(text);
  JsonDocument::sax_parse(text.begin(), text.end(), &sax,
                          nlohmann::detail::input_format_t::json,
                          /*strict=*/true, /*ignore_comments=*/false);
  return sax.Take();
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = SequenceLength(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::nullopt;
}

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = 0;
  while (end < text.size()) {
    const size_t length = std::max<size_t>(SequenceLength(text, end), 1);
    if (end + length > max_bytes) break;
    end += length;
  }
  return text.substr(0, end);
}

std::string EscapeUnprintable(std::string_view text) {
  std::string safe;
  safe.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = SequenceLength(text, pos);
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (length == 0 || byte < 0x20 || byte == 0x7F) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      safe += escaped;
      ++pos;
    } else {
      safe.append(text.substr(pos, length));
      pos += length;
    }
  }
  return safe;
}

std::pair<int, int> LineAndColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start) + 1};
}

}  // namespace loadgate
