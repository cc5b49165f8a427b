#ifndef LOADGATE_HTTP_SSE_PARSER_H_
#define LOADGATE_HTTP_SSE_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace loadgate::http {

// Server-Sent Events parser following the WHATWG HTML "event stream
// interpretation" rules: lines end in CRLF, LF or CR (a CRLF split across
// Feed calls is one line end); "data" lines are joined with "\n"; a single
// space after the colon is stripped; events are dispatched on a blank line;
// an event with no data is not dispatched; an incomplete event at the end of
// the stream is discarded; one leading UTF-8 BOM is ignored. A line or an
// event's data longer than max_event_bytes (together, at most that is held)
// is an error, so a server that never ends a line cannot grow the buffers
// without bound. Buffers are
// reused across events and Reset, so steady-state parsing does not allocate.
class SseParser {
 public:
  struct Handler {
    virtual ~Handler() = default;
    // `event_type` is "message" when the event had no "event" field. The
    // views are valid only during the call.
    virtual void OnEvent(std::string_view event_type,
                         std::string_view data) = 0;
    // A comment line (starting with ':'), without the colon and one
    // optional leading space. The mock LLM reports timing ground truth in a
    // final comment.
    virtual void OnComment(std::string_view /*text*/) {}
  };

  // The default bound on one line and on one event's data, as the
  // streamed JSON array parser has for its elements.
  static constexpr size_t kDefaultMaxEventBytes = 16 * 1024 * 1024;

  explicit SseParser(size_t max_event_bytes = kDefaultMaxEventBytes);

  // Forgets any partial line or event and any error (a new stream starts),
  // and bounds the new stream's lines and events by `max_event_bytes`.
  void Reset(size_t max_event_bytes = kDefaultMaxEventBytes);
  // Returns false once a line or an event's data exceeded the bound; the
  // parser then ignores its input until Reset.
  bool Feed(std::string_view bytes, Handler& handler);
  bool too_large() const { return too_large_; }

  // The last event ID seen ("id" field), as a reconnecting client would
  // send in Last-Event-ID.
  std::string_view last_event_id() const { return last_event_id_; }

 private:
  void ProcessLine(std::string_view line, Handler& handler);
  // Buffers the unterminated end of a Feed, within the bound.
  void KeepPartialLine(std::string_view piece);

  size_t max_event_bytes_;
  std::string line_;        // a line split across Feed calls
  std::string data_;        // data of the event being built
  std::string event_type_;  // type of the event being built
  std::string last_event_id_;
  bool has_data_ = false;        // a data field was seen for the current event
  bool skip_lf_ = false;         // the previous chunk ended in CR
  bool at_stream_start_ = true;  // a leading UTF-8 BOM is still to be dropped
  bool too_large_ = false;       // a line or an event exceeded the bound
};

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_SSE_PARSER_H_
