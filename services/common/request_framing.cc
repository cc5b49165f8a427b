#include "common/request_framing.h"

#include <algorithm>
#include <cctype>

namespace loadgate::services {
namespace {

// Header lines are kept up to this length: enough for the request line's
// method and for any valid Content-Length or Transfer-Encoding header.
constexpr size_t kMaxKeptLine = 256;
// A chunk-size line is at most 15 hex digits and some whitespace.
constexpr size_t kMaxChunkSizeLine = 64;
constexpr size_t kMaxChunkSizeDigits = 15;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Methods after which evhttp reads a body when the headers announce one.
bool MayHaveBody(std::string_view method) {
  for (std::string_view allowed :
       {"POST", "PUT", "PATCH", "GET", "DELETE", "OPTIONS", "CONNECT"}) {
    if (method == allowed) return true;
  }
  return false;
}

}  // namespace

void RequestFraming::Feed(std::string_view bytes) {
  while (!bytes.empty() && !failed()) {
    // Body bytes are counted, not looked at.
    const bool in_data = phase_ == Phase::kBody &&
                         (!chunked_ || body_state_ == BodyState::kChunkData);
    if (in_data) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(body_left_, bytes.size()));
      body_left_ -= n;
      bytes.remove_prefix(n);
      if (body_left_ == 0) {
        if (chunked_) {
          body_state_ = BodyState::kChunkDataEnd;
        } else {
          phase_ = Phase::kIdle;
        }
      }
      continue;
    }
    FeedByte(bytes.front());
    bytes.remove_prefix(1);
  }
}

void RequestFraming::FeedByte(char c) {
  if (phase_ == Phase::kIdle) {
    // Blank lines between requests are tolerated (RFC 9112, 2.2).
    if (c == '\r' || c == '\n') return;
    phase_ = Phase::kHeaders;
    ++requests_started_;
    method_.clear();
    content_length_headers_ = 0;
    transfer_encoding_headers_ = 0;
    chunked_ = false;
    content_length_ = 0;
    line_.clear();
    line_length_ = 0;
    pending_cr_ = false;
  }
  if (phase_ == Phase::kBody && body_state_ == BodyState::kChunkDataEnd) {
    // Chunk data ends with CRLF (or a bare LF, as evhttp accepts).
    if (c == '\n') {
      pending_cr_ = false;
      body_state_ = BodyState::kChunkSize;
    } else if (c == '\r' && !pending_cr_) {
      pending_cr_ = true;
    } else {
      Fail("chunk data is not followed by CRLF");
    }
    return;
  }
  if (c == '\n') {
    if (pending_cr_ && line_length_ > 0 && line_length_ <= kMaxKeptLine)
      line_.pop_back();
    if (pending_cr_) --line_length_;
    pending_cr_ = false;
    if (phase_ == Phase::kHeaders) {
      EndHeaderLine();
    } else {
      EndChunkLine();
    }
    line_.clear();
    line_length_ = 0;
    return;
  }
  pending_cr_ = c == '\r';
  if (line_length_ < kMaxKeptLine) line_.push_back(c);
  ++line_length_;
  if (phase_ == Phase::kBody && body_state_ == BodyState::kChunkSize &&
      line_length_ > kMaxChunkSizeLine)
    Fail("a chunk-size line is too long");
}

void RequestFraming::EndHeaderLine() {
  if (line_length_ == 0) {
    EndHeaders();
    return;
  }
  if (method_.empty()) {
    method_ = line_.substr(0, line_.find(' '));
    return;
  }
  if (IsBlank(line_.front())) {
    Fail("folded header lines are not accepted");
    return;
  }
  const size_t colon = line_.find(':');
  if (colon == std::string::npos) return;  // evhttp refuses it
  const std::string_view name = std::string_view(line_).substr(0, colon);
  if (std::any_of(name.begin(), name.end(), IsBlank)) {
    Fail("whitespace in a header name");
    return;
  }
  const bool content_length = EqualsIgnoringCase(name, "Content-Length");
  const bool transfer_encoding = EqualsIgnoringCase(name, "Transfer-Encoding");
  if (!content_length && !transfer_encoding) return;
  const std::string_view value =
      Trim(std::string_view(line_).substr(colon + 1));
  const bool whole = line_length_ <= kMaxKeptLine;
  if (content_length) {
    ++content_length_headers_;
    if (!whole || value.empty() || value.size() > 18 ||
        !std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      Fail("invalid Content-Length");
      return;
    }
    content_length_ = std::stoull(std::string(value));
  } else {
    ++transfer_encoding_headers_;
    if (!whole || !EqualsIgnoringCase(value, "chunked")) {
      Fail("unsupported Transfer-Encoding (only chunked is accepted)");
      return;
    }
    chunked_ = true;
  }
}

void RequestFraming::EndHeaders() {
  if (content_length_headers_ > 1) {
    Fail("more than one Content-Length header");
  } else if (transfer_encoding_headers_ > 1) {
    Fail("more than one Transfer-Encoding header");
  } else if (content_length_headers_ > 0 && transfer_encoding_headers_ > 0) {
    Fail("both Content-Length and Transfer-Encoding");
  } else if ((chunked_ || content_length_ > 0) && !MayHaveBody(method_)) {
    Fail("a " + method_ + " request cannot have a body");
  } else if (chunked_) {
    phase_ = Phase::kBody;
    body_state_ = BodyState::kChunkSize;
  } else if (content_length_ > 0) {
    phase_ = Phase::kBody;
    body_left_ = content_length_;
  } else {
    phase_ = Phase::kIdle;
  }
}

void RequestFraming::EndChunkLine() {
  if (body_state_ == BodyState::kTrailer) {
    if (line_length_ == 0) phase_ = Phase::kIdle;
    return;
  }
  // kChunkSize: 1*HEXDIG, optionally followed by blanks. Chunk extensions
  // are refused: evhttp cannot parse them.
  const std::string_view line = Trim(line_);
  uint64_t size = 0;
  size_t digits = 0;
  for (; digits < line.size() && HexValue(line[digits]) >= 0; ++digits)
    size = size * 16 + static_cast<uint64_t>(HexValue(line[digits]));
  if (digits == 0 || digits != line.size() || line.front() != line_.front() ||
      digits > kMaxChunkSizeDigits) {
    Fail("invalid chunk size");
    return;
  }
  if (size == 0) {
    body_state_ = BodyState::kTrailer;
  } else {
    body_state_ = BodyState::kChunkData;
    body_left_ = size;
  }
}

void RequestFraming::Fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

}  // namespace loadgate::services
