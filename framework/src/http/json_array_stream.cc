#include "http/json_array_stream.h"

#include <string>
#include <string_view>

namespace loadgate::http {
namespace {

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

JsonArrayStreamParser::JsonArrayStreamParser(size_t max_element_bytes)
    : max_element_bytes_(max_element_bytes) {}

void JsonArrayStreamParser::Reset(size_t max_element_bytes) {
  // Sized on the first stream (a no-op after), so elements split across
  // reads reuse the buffer and an unused parser costs no memory.
  element_.reserve(4096);
  max_element_bytes_ = max_element_bytes;
  too_large_ = false;
  state_ = State::kBeforeArray;
  first_element_ = true;
  depth_ = 0;
  object_bits_ = 0;
  in_string_ = false;
  escape_ = false;
  scalar_ = false;
  element_.clear();
  error_.clear();
}

bool JsonArrayStreamParser::Fail(std::string_view why, char got) {
  state_ = State::kError;
  error_.assign(why);
  if (got != '\0') {
    error_.append(", got '");
    error_.push_back(got);
    error_.push_back('\'');
  }
  return false;
}

bool JsonArrayStreamParser::ScanElement(std::string_view data, size_t* pos) {
  while (*pos < data.size()) {
    const char c = data[*pos];
    if (in_string_) {
      ++*pos;
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (depth_ == 0) return true;  // a top-level string element
      }
      continue;
    }
    if (scalar_) {
      if (IsWhitespace(c) || c == ',' || c == ']') return true;
      ++*pos;
      continue;
    }
    ++*pos;
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        if (depth_ == kMaxDepth) return Fail("JSON nested too deeply", '\0');
        if (c == '{') {
          object_bits_ |= uint64_t{1} << depth_;
        } else {
          object_bits_ &= ~(uint64_t{1} << depth_);
        }
        ++depth_;
        break;
      case '}':
      case ']': {
        const bool closes_object = c == '}';
        const bool open_object =
            depth_ > 0 && ((object_bits_ >> (depth_ - 1)) & 1) != 0;
        if (depth_ == 0 || closes_object != open_object) {
          return Fail("mismatched bracket in a JSON array element", c);
        }
        if (--depth_ == 0) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

// The byte loop of the stream parser is one state machine on the hot path:
// kept in one function (no per-byte calls) so that each state's handling
// reads beside the others.
bool JsonArrayStreamParser::Feed(std::string_view bytes, Handler& h) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (state_ == State::kError) return false;
    if (state_ == State::kInElement) {
      // The element continues from an earlier Feed.
      const size_t start = pos;
      const bool ended = ScanElement(bytes, &pos);
      if (state_ == State::kError) return false;
      if (element_.size() + (pos - start) > max_element_bytes_) {
        too_large_ = true;
        return Fail("JSON array element exceeds the size limit", '\0');
      }
      const std::string_view piece = bytes.substr(start, pos - start);
      if (!ended) {
        element_.append(piece);
        return true;
      }
      state_ = State::kAfterElement;
      if (element_.empty()) {
        h.OnElement(piece);
      } else {
        element_.append(piece);
        h.OnElement(element_);
        element_.clear();
      }
      continue;
    }
    const char c = bytes[pos];
    if (IsWhitespace(c)) {
      ++pos;
      continue;
    }
    switch (state_) {
      case State::kBeforeArray:
        if (c != '[') return Fail("expected '[' starting the JSON array", c);
        state_ = State::kBeforeElement;
        ++pos;
        break;
      case State::kBeforeElement:
        if (c == ']') {
          if (!first_element_) {
            return Fail("expected an element after ',' in the JSON array", c);
          }
          state_ = State::kFinished;
          ++pos;
          break;
        }
        if (c == ',') {
          return Fail("expected an element in the JSON array", c);
        }
        // The element starts here; ScanElement sees its first byte.
        first_element_ = false;
        depth_ = 0;
        in_string_ = false;
        escape_ = false;
        scalar_ = c != '{' && c != '[' && c != '"';
        state_ = State::kInElement;
        break;
      case State::kAfterElement:
        if (c == ',') {
          state_ = State::kBeforeElement;
        } else if (c == ']') {
          state_ = State::kFinished;
        } else {
          return Fail("expected ',' or ']' after a JSON array element", c);
        }
        ++pos;
        break;
      case State::kFinished:
        return Fail("unexpected data after the closing ']'", c);
      case State::kInElement:
      case State::kError:
        break;  // handled above
    }
  }
  return state_ != State::kError;
}

}  // namespace loadgate::http
