#ifndef LOADGATE_HTTP_RESPONSE_PARSER_H_
#define LOADGATE_HTTP_RESPONSE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate::http {

// Receives a response body as it arrives, with chunk framing removed. The
// view is only valid during the call.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void OnBody(std::string_view decoded_bytes) = 0;
};

// Incremental HTTP/1.1 response parser. Bytes may arrive split at any
// position. Body bytes are passed to the sink straight from the input
// (zero-copy); a header block that arrives in one read is parsed in place,
// one split across reads is assembled in a reused buffer, so steady-state
// parsing does not allocate. Lines may end in CRLF or a bare LF.
class ResponseParser {
 public:
  enum class Status { kIncomplete, kComplete, kError };

  // A header block larger than this is an error (not an unbounded buffer).
  static constexpr size_t kDefaultMaxHeaderBytes = 64 * 1024;

  explicit ResponseParser(size_t max_header_bytes = kDefaultMaxHeaderBytes);

  // Prepares for the next response on the connection; `response_to_head`
  // says the request was HEAD, so the response has no body whatever its
  // headers say.
  void Reset(bool response_to_head = false);

  // Consumes bytes of the response; reports decoded body bytes to `sink`
  // (may be null to discard them). *consumed is the number of bytes used: on
  // kComplete the rest of `data` belongs to the next response; on
  // kIncomplete all of `data` was used. After kError, the parser stays in
  // error until Reset.
  Status Feed(std::string_view data, size_t* consumed, BodySink* sink);

  // The connection was closed by the peer: completes a close-delimited
  // body, anything else still in progress is an error. (No body bytes are
  // ever held back, so `sink` receives nothing; it is there so callers need
  // not care.)
  Status FinishOnEof(BodySink* sink);

  bool headers_complete() const { return headers_complete_; }
  // Status code of the final (non-1xx) response; 0 before its status line.
  int status() const { return status_; }
  // Whether the connection may carry another request after this response:
  // HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
  // "Connection: keep-alive", never after a close-delimited body.
  bool keep_alive() const;
  bool chunked() const { return chunked_; }
  int64_t content_length() const { return content_length_; }  // -1: absent
  // Lower-cased media type without parameters, e.g. "text/event-stream";
  // empty when absent. Valid until the next Reset.
  std::string_view content_type() const { return content_type_; }
  // Total decoded body bytes reported so far for this response.
  int64_t body_bytes() const { return body_bytes_; }
  std::string_view error() const { return error_; }

 private:
  enum class State {
    kHeaders,       // collecting the status line and headers
    kBodyLength,    // Content-Length body
    kBodyClose,     // body delimited by connection close
    kChunkSize,     // collecting a chunk-size line
    kChunkData,     // inside a chunk
    kChunkDataEnd,  // CRLF after chunk data
    kTrailers,      // trailer section after the last chunk
    kDone,
    kError,
  };

  // Each consumes from data[*pos] on, advancing *pos; false after Fail.
  bool FeedHeaders(std::string_view data, size_t* pos);
  bool FeedChunkSize(std::string_view data, size_t* pos);
  bool FeedChunkDataEnd(std::string_view data, size_t* pos);
  bool FeedTrailers(std::string_view data, size_t* pos);
  void EmitBody(std::string_view data, size_t* pos, BodySink* sink);

  // Parses one complete header block (status line to blank line).
  bool ParseHeaderBlock(std::string_view block);
  bool ParseStatusLine(std::string_view line);
  bool ParseHeaderField(std::string_view line);
  // Clears what a header block sets, for the next (final) response after a
  // 1xx one.
  void ClearHeaderFields();
  // Decides the body framing once the final response's headers are known.
  void StartBody();
  bool Fail(std::string_view why);

  size_t max_header_bytes_;
  State state_ = State::kHeaders;
  bool response_to_head_ = false;
  bool headers_complete_ = false;
  int status_ = 0;
  int http_minor_ = 1;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool chunked_ = false;
  bool saw_transfer_encoding_ = false;
  int64_t content_length_ = -1;
  bool conflicting_framing_ = false;  // Transfer-Encoding and Content-Length
  bool close_delimited_ = false;      // the body ends when the peer closes
  int64_t remaining_ = 0;  // bytes left in the body or the current chunk
  int64_t body_bytes_ = 0;
  // Chunk-size line being read.
  int64_t chunk_size_ = 0;
  int chunk_size_digits_ = 0;
  bool chunk_extension_ = false;  // past the size, in ";ext" or whitespace
  size_t chunk_line_bytes_ = 0;
  bool saw_cr_ = false;  // a CR awaiting its LF (chunk lines, trailers)
  // Trailer section being read.
  size_t trailer_line_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  std::string header_buf_;  // a header block split across Feed calls
  std::string content_type_;
  std::string error_;
};

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_RESPONSE_PARSER_H_
