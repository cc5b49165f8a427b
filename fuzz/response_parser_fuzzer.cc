// HTTP/1.1 responses from a server under test: any bytes, as a sequence of
// responses on one connection (what follows a complete response belongs to
// the next one). The transcript of every response must not depend on how
// the bytes were cut into reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/response_parser.h"

namespace {

using loadgate::http::BodySink;
using loadgate::http::ResponseParser;
using Status = ResponseParser::Status;

class Transcript : public BodySink {
 public:
  void OnBody(std::string_view bytes) override {
    body_.append(bytes);
    loadgate::fuzz::Expect(!bytes.empty(), "OnBody with no bytes");
  }

  // Records how a response ended and what the parser knew about it.
  // `framed_by_length`: Feed completed a response to a request other than
  // HEAD, so a Content-Length it did not override must have been honoured.
  void End(const ResponseParser& parser, Status status, bool framed_by_length) {
    loadgate::fuzz::Expect(
        parser.body_bytes() == static_cast<int64_t>(body_.size()),
        "body_bytes() equals the bytes given to the sink");
    const int code = parser.status();
    if (status == Status::kComplete && framed_by_length && !parser.chunked() &&
        parser.content_length() >= 0 && code >= 200 && code != 204 &&
        code != 304) {
      loadgate::fuzz::Expect(parser.body_bytes() == parser.content_length(),
                             "a Content-Length body is exactly that long");
    }
    text_ += status == Status::kComplete ? "complete"
             : status == Status::kError
                 ? "error: " + std::string(parser.error())
                 : "incomplete";
    text_ += " status=" + std::to_string(parser.status()) +
             " headers=" + std::to_string(parser.headers_complete()) +
             " keep_alive=" + std::to_string(parser.keep_alive()) +
             " chunked=" + std::to_string(parser.chunked()) +
             " length=" + std::to_string(parser.content_length()) +
             " type=" + std::string(parser.content_type()) + " body=" + body_ +
             "\n";
    body_.clear();
  }

  const std::string& text() const { return text_; }

 private:
  std::string body_;
  std::string text_;
};

// Feeds the pieces in order, resetting after each complete response, and
// ends the stream with EOF. `head_first` says the first request was HEAD.
std::string Run(const std::vector<std::string_view>& pieces,
                size_t max_header_bytes, bool head_first) {
  ResponseParser parser(max_header_bytes);
  parser.Reset(head_first);
  bool head = head_first;
  Transcript transcript;
  for (std::string_view piece_bytes : pieces) {
    const loadgate::fuzz::ExactCopy piece(piece_bytes);
    std::string_view rest = piece.view();
    while (!rest.empty()) {
      size_t consumed = 0;
      const Status status = parser.Feed(rest, &consumed, &transcript);
      loadgate::fuzz::Expect(consumed <= rest.size(), "consumed <= size");
      if (status == Status::kIncomplete) {
        loadgate::fuzz::Expect(consumed == rest.size(),
                               "an incomplete response uses all bytes");
        break;
      }
      transcript.End(parser, status, /*framed_by_length=*/!head);
      if (status == Status::kError) return transcript.text();
      loadgate::fuzz::Expect(consumed > 0, "a response takes bytes");
      rest.remove_prefix(consumed);
      parser.Reset();
      head = false;
    }
  }
  const Status status = parser.FinishOnEof(&transcript);
  transcript.End(parser, status, /*framed_by_length=*/false);
  return transcript.text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = loadgate::fuzz::AsText(data, size);
  // The default header limit, and a small one with a HEAD request first so
  // that both the limit and the bodiless framing are reached.
  for (const auto& [max_header_bytes, head_first] :
       {std::pair<size_t, bool>{ResponseParser::kDefaultMaxHeaderBytes, false},
        std::pair<size_t, bool>{256, true}}) {
    const std::string whole = Run({bytes}, max_header_bytes, head_first);
    for (const auto& pieces : loadgate::fuzz::SplitsOf(bytes)) {
      loadgate::fuzz::ExpectSameTranscript(
          whole, Run(pieces, max_header_bytes, head_first), pieces);
    }
  }
  return 0;
}
