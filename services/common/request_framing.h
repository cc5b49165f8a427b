// Where each HTTP/1.1 request of a connection begins and ends, followed byte
// by byte as the bytes arrive, before evhttp parses them.
//
// evhttp (libevent 2.1) frames requests leniently: with both Content-Length
// and Transfer-Encoding it silently uses one of them, it takes a transfer
// coding it does not know for none, and it answers a malformed chunk with
// 413. A front end that frames the same bytes differently then sees another
// request boundary than the service does (request smuggling). This tracker
// refuses every such request up front, and tells the connection guard which
// part of a request is being read, for the header and body read deadlines.
#ifndef SERVICES_COMMON_REQUEST_FRAMING_H_
#define SERVICES_COMMON_REQUEST_FRAMING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate::services {

class RequestFraming {
 public:
  enum class Phase {
    kIdle,     // between requests
    kHeaders,  // the request line and headers
    kBody,     // the body (Content-Length or chunked)
  };

  // Follows `bytes`, the next bytes received on the connection. After the
  // first framing error the rest is ignored and failed() is true.
  void Feed(std::string_view bytes);

  Phase phase() const { return phase_; }
  // Requests whose first byte has arrived so far.
  uint64_t requests_started() const { return requests_started_; }
  bool failed() const { return !error_.empty(); }
  // Why the request is refused, for a 400 response.
  const std::string& error() const { return error_; }

 private:
  enum class BodyState { kChunkSize, kChunkData, kChunkDataEnd, kTrailer };

  void FeedByte(char c);
  // A complete line of the header block or of the chunked framing, without
  // its line ending.
  void EndHeaderLine();
  void EndHeaders();
  void EndChunkLine();
  void Fail(std::string why);

  Phase phase_ = Phase::kIdle;
  BodyState body_state_ = BodyState::kChunkSize;
  uint64_t requests_started_ = 0;
  std::string error_;

  // The current line: its first kMaxKeptLine bytes and its full length.
  std::string line_;
  size_t line_length_ = 0;
  bool pending_cr_ = false;

  // What the header block said so far.
  std::string method_;
  int content_length_headers_ = 0;
  int transfer_encoding_headers_ = 0;
  bool chunked_ = false;
  uint64_t content_length_ = 0;

  uint64_t body_left_ = 0;  // of a Content-Length body or of a chunk
};

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_REQUEST_FRAMING_H_
