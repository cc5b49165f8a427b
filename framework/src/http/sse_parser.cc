#include "http/sse_parser.h"

#include <string_view>

namespace loadgate::http {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(size_t max_event_bytes)
    : max_event_bytes_(max_event_bytes) {}

void SseParser::Reset(size_t max_event_bytes) {
  // Sized for typical LLM events on the first stream (a no-op after), so
  // steady-state parsing reuses the buffers while a parser that never sees
  // a stream (an engine session of plain requests) costs no memory.
  line_.reserve(4096);
  data_.reserve(4096);
  event_type_.reserve(64);
  last_event_id_.reserve(64);
  max_event_bytes_ = max_event_bytes;
  too_large_ = false;
  line_.clear();
  data_.clear();
  event_type_.clear();
  last_event_id_.clear();
  has_data_ = false;
  skip_lf_ = false;
  at_stream_start_ = true;
}

bool SseParser::Feed(std::string_view bytes, Handler& handler) {
  if (too_large_) return false;
  size_t pos = 0;
  if (skip_lf_ && !bytes.empty()) {
    // The previous Feed ended in CR: a LF now completes that CRLF.
    if (bytes.front() == '\n') pos = 1;
    skip_lf_ = false;
  }
  size_t line_start = pos;
  while (pos < bytes.size()) {
    const char c = bytes[pos];
    if (c != '\n' && c != '\r') {
      ++pos;
      continue;
    }
    const std::string_view piece = bytes.substr(line_start, pos - line_start);
    if (line_.empty()) {
      ProcessLine(piece, handler);
    } else {
      KeepPartialLine(piece);
      if (too_large_) return false;
      ProcessLine(line_, handler);
      line_.clear();
    }
    if (too_large_) return false;
    ++pos;
    if (c == '\r') {
      if (pos == bytes.size()) {
        skip_lf_ = true;
      } else if (bytes[pos] == '\n') {
        ++pos;
      }
    }
    line_start = pos;
  }
  KeepPartialLine(bytes.substr(line_start));
  return !too_large_;
}

void SseParser::KeepPartialLine(std::string_view piece) {
  // The event's data so far and the line still to come share the bound.
  if (data_.size() + line_.size() + piece.size() > max_event_bytes_) {
    too_large_ = true;
    line_.clear();
    return;
  }
  line_.append(piece);
}

void SseParser::ProcessLine(std::string_view line, Handler& handler) {
  if (at_stream_start_) {
    if (line.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
      line.remove_prefix(kUtf8Bom.size());
    }
    at_stream_start_ = false;
  }
  if (line.empty()) {
    if (has_data_) {
      handler.OnEvent(
          event_type_.empty() ? std::string_view("message") : event_type_,
          data_);
    }
    data_.clear();
    event_type_.clear();
    has_data_ = false;
    return;
  }
  const size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (colon == 0) {
    handler.OnComment(value);
  } else if (field == "data") {
    if (data_.size() + value.size() + 1 > max_event_bytes_) {
      too_large_ = true;
      data_.clear();
      return;
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_type_.assign(value);
  } else if (field == "id") {
    // The spec ignores an id containing NUL.
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_.assign(value);
    }
  }
  // "retry" and unknown fields only matter to reconnecting clients.
}

}  // namespace loadgate::http
