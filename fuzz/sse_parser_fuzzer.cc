// Server-Sent Events from a server under test. The events, comments and
// last event id must not depend on how the stream was cut into reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/sse_parser.h"

namespace {

using loadgate::http::SseParser;

class Transcript : public SseParser::Handler {
 public:
  void OnEvent(std::string_view event_type, std::string_view data) override {
    text_.append("event ").append(event_type).append(": ").append(data);
    text_ += '\n';
  }
  void OnComment(std::string_view comment) override {
    text_.append("comment: ").append(comment) += '\n';
  }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

std::string Run(SseParser& parser,
                const std::vector<std::string_view>& pieces) {
  parser.Reset();
  Transcript transcript;
  for (std::string_view piece_bytes : pieces) {
    const loadgate::fuzz::ExactCopy piece(piece_bytes);
    parser.Feed(piece.view(), transcript);
  }
  transcript.text().append("last id: ").append(parser.last_event_id());
  return transcript.text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = loadgate::fuzz::AsText(data, size);
  // One parser for all runs, as a connection reuses it across responses:
  // Reset must forget everything.
  static SseParser parser;
  const std::string whole = Run(parser, {bytes});
  for (const auto& pieces : loadgate::fuzz::SplitsOf(bytes)) {
    loadgate::fuzz::ExpectSameTranscript(whole, Run(parser, pieces), pieces);
  }
  return 0;
}
