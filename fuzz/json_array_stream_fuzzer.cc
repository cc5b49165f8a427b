// A streamed top-level JSON array (Gemini streamGenerateContent without
// alt=sse) from a server under test. The elements, the error and whether the
// array finished must not depend on how the stream was cut into reads; every
// element is also inspected as an LLM chunk, as the engine does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/json_array_stream.h"
#include "http/llm_chunk.h"

namespace {

using loadgate::http::JsonArrayStreamParser;

class Transcript : public JsonArrayStreamParser::Handler {
 public:
  void OnElement(std::string_view json) override {
    // The element is only valid during the call: inspect it in place.
    const loadgate::http::LlmChunk chunk =
        loadgate::http::InspectLlmChunk(json);
    text_.append("element: ").append(json);
    text_ += " chars=" + std::to_string(chunk.content_chars) + "\n";
  }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

std::string Run(JsonArrayStreamParser& parser,
                const std::vector<std::string_view>& pieces) {
  parser.Reset();
  Transcript transcript;
  for (std::string_view piece_bytes : pieces) {
    const loadgate::fuzz::ExactCopy piece(piece_bytes);
    if (!parser.Feed(piece.view(), transcript)) {
      transcript.text().append("error: ").append(parser.error()) += '\n';
      // A failed parser keeps failing until Reset.
      loadgate::fuzz::Expect(!parser.Feed("[]", transcript),
                             "Feed fails after an error");
      return transcript.text();
    }
  }
  transcript.text() += parser.finished() ? "finished" : "unfinished";
  return transcript.text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = loadgate::fuzz::AsText(data, size);
  static JsonArrayStreamParser parser;
  const std::string whole = Run(parser, {bytes});
  for (const auto& pieces : loadgate::fuzz::SplitsOf(bytes)) {
    loadgate::fuzz::ExpectSameTranscript(whole, Run(parser, pieces), pieces);
  }
  return 0;
}
