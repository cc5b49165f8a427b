#include "http/sse_parser.h"

#include <string_view>

namespace loadgate::http {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser() {
  // Sized once for typical LLM events so that steady-state parsing reuses
  // the buffers.
  line_.reserve(4096);
  data_.reserve(4096);
  event_type_.reserve(64);
  last_event_id_.reserve(64);
}

void SseParser::Reset() {
  line_.clear();
  data_.clear();
  event_type_.clear();
  last_event_id_.clear();
  has_data_ = false;
  skip_lf_ = false;
  at_stream_start_ = true;
}

void SseParser::Feed(std::string_view bytes, Handler& handler) {
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
      line_.append(piece);
      ProcessLine(line_, handler);
      line_.clear();
    }
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
  line_.append(bytes.substr(line_start));
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
