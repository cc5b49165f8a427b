#ifndef LOADGATE_HTTP_JSON_ARRAY_STREAM_H_
#define LOADGATE_HTTP_JSON_ARRAY_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate::http {

// Splits a streamed top-level JSON array, e.g. Gemini streamGenerateContent
// without alt=sse:  [{...}\r\n,\r\n{...}]  into its elements as soon as
// each is complete. Bytes may arrive split anywhere. The parser tracks only
// bracket nesting and string/escape state (it does not validate the
// elements' full JSON grammar, which the consumer parses anyway); it reports
// mismatched brackets, nesting deeper than kMaxDepth and structural errors
// outside elements (missing '[', missing ',' between elements, a trailing
// ',', bytes after ']'). An element complete within one Feed is delivered
// straight from the input; one split across Feed calls is assembled in a reused
// buffer.
class JsonArrayStreamParser {
 public:
  struct Handler {
    virtual ~Handler() = default;
    // The element's JSON text, without surrounding whitespace; valid only
    // during the call.
    virtual void OnElement(std::string_view json) = 0;
  };

  // An element that must be buffered across Feed calls and grows longer
  // than this is an error (not an unbounded buffer).
  static constexpr size_t kDefaultMaxElementBytes = 16 * 1024 * 1024;
  static constexpr int kMaxDepth = 64;

  explicit JsonArrayStreamParser(
      size_t max_element_bytes = kDefaultMaxElementBytes);

  // Starts a new stream whose buffered elements may hold up to
  // `max_element_bytes`.
  void Reset(size_t max_element_bytes = kDefaultMaxElementBytes);
  // Returns false on malformed input (then error() says why and every later
  // Feed returns false until Reset).
  bool Feed(std::string_view bytes, Handler& h);
  // The closing ']' was seen.
  bool finished() const { return state_ == State::kFinished; }
  std::string_view error() const { return error_; }
  // The error is an element over the size limit (not malformed JSON).
  bool too_large() const { return too_large_; }

 private:
  enum class State {
    kBeforeArray,    // expecting '['
    kBeforeElement,  // after '[' or ',': expecting an element (or ']' first)
    kInElement,      // inside an element
    kAfterElement,   // expecting ',' or ']'
    kFinished,       // after ']': only whitespace may follow
    kError,
  };

  bool Fail(std::string_view why, char got);
  // Scans element bytes from data[*pos]; true when the element ended (then
  // *pos is just past it).
  bool ScanElement(std::string_view data, size_t* pos);

  size_t max_element_bytes_;
  State state_ = State::kBeforeArray;
  bool first_element_ = true;  // ']' allowed right after '['
  int depth_ = 0;              // nesting inside the current element
  uint64_t object_bits_ = 0;   // bit d set: level d+1 is an object ('{')
  bool in_string_ = false;
  bool escape_ = false;
  bool scalar_ = false;  // current element is a bare number/literal
  bool too_large_ = false;
  std::string element_;  // element split across Feed calls
  std::string error_;
};

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_JSON_ARRAY_STREAM_H_
