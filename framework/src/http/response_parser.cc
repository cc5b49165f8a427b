#include "http/response_parser.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "http/text.h"

namespace loadgate::http {
namespace {

// Chunk-size lines are tiny; a long one is garbage or an attack.
constexpr size_t kMaxChunkLineBytes = 4096;
// Largest body or chunk size accepted; keeps arithmetic far from overflow.
constexpr int64_t kMaxBodySize = int64_t{1} << 60;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != kNotFound;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Calls `fn` with each trimmed, non-empty element of a comma-separated
// header value; stops early when `fn` returns false.
template <typename Fn>
bool ForEachListElement(std::string_view value, Fn fn) {
  while (true) {
    const size_t comma = value.find(',');
    const std::string_view element = Trim(value.substr(0, comma));
    if (!element.empty() && !fn(element)) return false;
    if (comma == kNotFound) return true;
    value.remove_prefix(comma + 1);
  }
}

// Position just past the blank line ending a header block in `text`, or
// kNotFound. Lines end in LF or CRLF (RFC 9112 2.2 lets a recipient accept
// a bare LF). The search starts at `from`, which must not skip the LF
// beginning the terminator.
size_t FindHeaderEnd(std::string_view text, size_t from) {
  while (true) {
    const void* found =
        from < text.size()
            ? std::memchr(text.data() + from, '\n', text.size() - from)
            : nullptr;
    if (found == nullptr) return kNotFound;
    const size_t lf = static_cast<const char*>(found) - text.data();
    if (lf + 1 < text.size() && text[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < text.size() && text[lf + 1] == '\r' && text[lf + 2] == '\n') {
      return lf + 3;
    }
    from = lf + 1;
  }
}

}  // namespace

ResponseParser::ResponseParser(size_t max_header_bytes)
    : max_header_bytes_(max_header_bytes) {
  // Sized once so that steady-state parsing reuses the buffers.
  header_buf_.reserve(std::min<size_t>(max_header_bytes_, 4096));
  content_type_.reserve(64);
  Reset();
}

void ResponseParser::Reset(bool response_to_head) {
  state_ = State::kHeaders;
  response_to_head_ = response_to_head;
  header_buf_.clear();
  error_.clear();
  body_bytes_ = 0;
  remaining_ = 0;
  saw_cr_ = false;
  ClearHeaderFields();
}

void ResponseParser::ClearHeaderFields() {
  headers_complete_ = false;
  status_ = 0;
  http_minor_ = 1;
  connection_close_ = false;
  connection_keep_alive_ = false;
  chunked_ = false;
  saw_transfer_encoding_ = false;
  conflicting_framing_ = false;
  close_delimited_ = false;
  content_length_ = -1;
  content_type_.clear();
}

bool ResponseParser::keep_alive() const {
  if (!headers_complete_ || close_delimited_ || state_ == State::kError ||
      connection_close_ || conflicting_framing_ || status_ == 101) {
    return false;
  }
  return http_minor_ >= 1 || connection_keep_alive_;
}

bool ResponseParser::Fail(std::string_view why) {
  state_ = State::kError;
  error_.assign(why);
  return false;
}

ResponseParser::Status ResponseParser::Feed(std::string_view data,
                                            size_t* consumed, BodySink* sink) {
  size_t pos = 0;
  bool ok = true;
  while (ok && pos < data.size()) {
    switch (state_) {
      case State::kHeaders:
        ok = FeedHeaders(data, &pos);
        break;
      case State::kBodyLength:
      case State::kBodyClose:
      case State::kChunkData:
        EmitBody(data, &pos, sink);
        break;
      case State::kChunkSize:
        ok = FeedChunkSize(data, &pos);
        break;
      case State::kChunkDataEnd:
        ok = FeedChunkDataEnd(data, &pos);
        break;
      case State::kTrailers:
        ok = FeedTrailers(data, &pos);
        break;
      case State::kDone:
      case State::kError:
        ok = false;
        break;
    }
  }
  *consumed = pos;
  if (state_ == State::kError) return Status::kError;
  if (state_ == State::kDone) return Status::kComplete;
  return Status::kIncomplete;
}

ResponseParser::Status ResponseParser::FinishOnEof(BodySink* /*sink*/) {
  switch (state_) {
    case State::kDone:
      return Status::kComplete;
    case State::kBodyClose:
      state_ = State::kDone;
      return Status::kComplete;
    case State::kError:
      return Status::kError;
    case State::kHeaders:
      Fail(header_buf_.empty() && status_ == 0
               ? "connection closed before the response started"
               : "connection closed in the middle of the response headers");
      return Status::kError;
    case State::kBodyLength:
      Fail("connection closed with " + std::to_string(remaining_) + " of " +
           std::to_string(content_length_) + " body bytes missing");
      return Status::kError;
    default:
      Fail("connection closed in the middle of the chunked body");
      return Status::kError;
  }
}

bool ResponseParser::FeedHeaders(std::string_view data, size_t* pos) {
  const std::string_view input = data.substr(*pos);
  std::string_view block;
  size_t used = 0;
  if (header_buf_.empty()) {
    // Common case: the whole block is in this read; parse it in place.
    const size_t end = FindHeaderEnd(input, 0);
    if (end != kNotFound) {
      block = input.substr(0, end);
      used = end;
    }
  }
  if (block.empty()) {
    const size_t old_size = header_buf_.size();
    const size_t room = max_header_bytes_ - old_size;
    header_buf_.append(input.substr(0, room));
    const size_t end =
        FindHeaderEnd(header_buf_, old_size >= 2 ? old_size - 2 : 0);
    if (end == kNotFound) {
      if (input.size() >= room) {
        return Fail("response header section exceeds " +
                    std::to_string(max_header_bytes_) + " bytes");
      }
      *pos = data.size();
      return true;
    }
    header_buf_.resize(end);
    block = header_buf_;
    used = end - old_size;
  }
  if (block.size() > max_header_bytes_) {
    return Fail("response header section exceeds " +
                std::to_string(max_header_bytes_) + " bytes");
  }
  *pos += used;
  if (!ParseHeaderBlock(block)) return false;
  header_buf_.clear();
  if (status_ >= 100 && status_ < 200 && status_ != 101) {
    // Interim response (100 Continue, 103 Early Hints): the final response
    // follows on the same connection.
    ClearHeaderFields();
    return true;
  }
  headers_complete_ = true;
  StartBody();
  return true;
}

bool ResponseParser::ParseHeaderBlock(std::string_view block) {
  bool first_line = true;
  while (!block.empty()) {
    const size_t lf = block.find('\n');
    std::string_view line = block.substr(0, lf);
    block.remove_prefix(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first_line) {
      if (!ParseStatusLine(line)) return false;
      first_line = false;
      continue;
    }
    if (line.empty()) break;  // the blank line ending the block
    if (!ParseHeaderField(line)) return false;
  }
  return true;
}

bool ResponseParser::ParseStatusLine(std::string_view line) {
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ') {
    return Fail("malformed status line (expected \"HTTP/1.1 <code> ...\")");
  }
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return Fail("malformed status code in the status line");
    }
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || (line.size() > 12 && line[12] != ' ')) {
    return Fail("malformed status code in the status line");
  }
  status_ = code;
  http_minor_ = line[7] - '0';
  return true;
}

// Every header the framing depends on is checked here, in one place, so
// that a smuggling-relevant rule cannot be missed by a second path.
bool ResponseParser::ParseHeaderField(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail("obsolete line folding in the response headers");
  }
  const size_t colon = line.find(':');
  if (colon == kNotFound || colon == 0) {
    return Fail("malformed response header line (no field name and ':')");
  }
  const std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!IsTokenChar(c)) {
      return Fail("invalid character in a response header name");
    }
  }
  const std::string_view value = Trim(line.substr(colon + 1));
  for (char c : value) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      return Fail("control character in a response header value");
    }
  }
  if (EqualsNoCase(name, "Content-Length")) {
    // A repeated or list-valued Content-Length is acceptable only when all
    // values agree (RFC 9110 8.6).
    const bool ok = ForEachListElement(value, [&](std::string_view element) {
      int64_t length = 0;
      for (char c : element) {
        if (c < '0' || c > '9' || length > kMaxBodySize / 10) return false;
        length = length * 10 + (c - '0');
      }
      if (length > kMaxBodySize) return false;
      if (content_length_ >= 0 && content_length_ != length) return false;
      content_length_ = length;
      return true;
    });
    if (!ok || content_length_ < 0) {
      return Fail("invalid or conflicting Content-Length");
    }
  } else if (EqualsNoCase(name, "Transfer-Encoding")) {
    saw_transfer_encoding_ = true;
    // Only a final "chunked" coding frames the body; the codings of all
    // Transfer-Encoding fields form one list.
    ForEachListElement(value, [&](std::string_view coding) {
      chunked_ = EqualsNoCase(coding, "chunked");
      return true;
    });
  } else if (EqualsNoCase(name, "Connection")) {
    ForEachListElement(value, [&](std::string_view option) {
      connection_close_ = connection_close_ || EqualsNoCase(option, "close");
      connection_keep_alive_ =
          connection_keep_alive_ || EqualsNoCase(option, "keep-alive");
      return true;
    });
  } else if (EqualsNoCase(name, "Content-Type")) {
    const std::string_view media_type = Trim(value.substr(0, value.find(';')));
    content_type_.assign(media_type);
    for (char& c : content_type_) c = ToLower(c);
  }
  return true;
}

void ResponseParser::StartBody() {
  if (saw_transfer_encoding_ && content_length_ >= 0) {
    // RFC 9112 6.3: Transfer-Encoding overrides Content-Length, and such a
    // message may be a smuggling attempt, so the connection is not reused.
    conflicting_framing_ = true;
  }
  if (response_to_head_ || status_ == 101 || status_ == 204 || status_ == 304 ||
      (status_ >= 100 && status_ < 200)) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
    chunk_size_ = 0;
    chunk_size_digits_ = 0;
    chunk_extension_ = false;
    chunk_line_bytes_ = 0;
  } else if (saw_transfer_encoding_ || content_length_ < 0) {
    state_ = State::kBodyClose;
    close_delimited_ = true;
  } else if (content_length_ == 0) {
    state_ = State::kDone;
  } else {
    remaining_ = content_length_;
    state_ = State::kBodyLength;
  }
}

void ResponseParser::EmitBody(std::string_view data, size_t* pos,
                              BodySink* sink) {
  size_t take = data.size() - *pos;
  if (state_ != State::kBodyClose) {
    take = static_cast<size_t>(
        std::min<int64_t>(remaining_, static_cast<int64_t>(take)));
    remaining_ -= static_cast<int64_t>(take);
  }
  if (take > 0 && sink != nullptr) sink->OnBody(data.substr(*pos, take));
  body_bytes_ += static_cast<int64_t>(take);
  *pos += take;
  if (remaining_ == 0) {
    if (state_ == State::kBodyLength) {
      state_ = State::kDone;
    } else if (state_ == State::kChunkData) {
      state_ = State::kChunkDataEnd;
      saw_cr_ = false;
    }
  }
}

bool ResponseParser::FeedChunkSize(std::string_view data, size_t* pos) {
  while (*pos < data.size()) {
    const char c = data[(*pos)++];
    if (++chunk_line_bytes_ > kMaxChunkLineBytes) {
      return Fail("chunk-size line too long");
    }
    if (c == '\n') {
      if (chunk_size_digits_ == 0) return Fail("invalid chunk size");
      chunk_size_digits_ = 0;
      chunk_extension_ = false;
      chunk_line_bytes_ = 0;
      saw_cr_ = false;
      if (chunk_size_ == 0) {
        state_ = State::kTrailers;
        trailer_line_bytes_ = 0;
        trailer_bytes_ = 0;
      } else {
        remaining_ = chunk_size_;
        chunk_size_ = 0;
        state_ = State::kChunkData;
      }
      return true;
    }
    if (saw_cr_) return Fail("expected LF after CR in a chunk-size line");
    if (c == '\r') {
      saw_cr_ = true;
    } else if (chunk_extension_) {
      // Chunk extensions (";name=value") carry nothing we use.
    } else if (const int digit = HexValue(c); digit >= 0) {
      if (chunk_size_ > kMaxBodySize / 16) return Fail("chunk size too large");
      chunk_size_ = chunk_size_ * 16 + digit;
      ++chunk_size_digits_;
    } else if ((c == ';' || c == ' ' || c == '\t') && chunk_size_digits_ > 0) {
      chunk_extension_ = true;
    } else {
      return Fail("invalid chunk size");
    }
  }
  return true;
}

bool ResponseParser::FeedChunkDataEnd(std::string_view data, size_t* pos) {
  const char c = data[(*pos)++];
  if (c == '\r' && !saw_cr_) {
    saw_cr_ = true;
    return true;
  }
  if (c != '\n') return Fail("expected CRLF after chunk data");
  saw_cr_ = false;
  state_ = State::kChunkSize;
  return true;
}

bool ResponseParser::FeedTrailers(std::string_view data, size_t* pos) {
  while (*pos < data.size()) {
    const char c = data[(*pos)++];
    if (++trailer_bytes_ > max_header_bytes_) {
      return Fail("response trailer section exceeds " +
                  std::to_string(max_header_bytes_) + " bytes");
    }
    if (c == '\n') {
      if (trailer_line_bytes_ == 0) {
        state_ = State::kDone;
        return true;
      }
      trailer_line_bytes_ = 0;
    } else if (c != '\r') {
      // Trailer fields are not used; only their end matters.
      ++trailer_line_bytes_;
    }
  }
  return true;
}

}  // namespace loadgate::http
