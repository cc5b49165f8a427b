#ifndef SERVICES_MOCK_LLM_TEXT_H_
#define SERVICES_MOCK_LLM_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "mock_llm/random.h"

namespace loadgate::services::mock_llm {

// The mock's tokenizer: a token is a run of non-whitespace characters
// together with the whitespace before it. Prompt counts, countTokens and the
// usage of generated text all use it, so reported usage matches the text.
int CountTokens(std::string_view text);

// Produces a response one token at a time with constant state, so a stream
// holds no text it has not sent yet (the text of echo and canned responses
// is owned elsewhere and must outlive the source).
class TokenSource {
 public:
  // Endless deterministic words for `seed`.
  static TokenSource Generated(uint64_t seed);
  // The tokens of `text`, then the end.
  static TokenSource FromText(std::string_view text);

  // Appends the next token to `out`; false once a text source is exhausted.
  bool Next(std::string* out);
  // Tokens left in a text source; -1 for a generated one.
  int remaining() const { return remaining_; }

 private:
  TokenSource() = default;
  Rng rng_;
  std::string_view text_;
  int remaining_ = -1;
  int emitted_ = 0;
  int sentence_left_ = 0;
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_TEXT_H_
