#include "mock_llm/text.h"

#include <array>
#include <cctype>

namespace loadgate::services::mock_llm {
namespace {

constexpr std::array<std::string_view, 64> kWords = {
    "the",      "model",     "answer", "request",  "latency", "token",
    "stream",   "server",    "client", "response", "quickly", "system",
    "measure",  "test",      "load",   "value",    "data",    "result",
    "simple",   "and",       "of",     "to",       "with",    "for",
    "is",       "a",         "under",  "every",    "time",    "first",
    "next",     "more",      "less",   "steady",   "rate",    "queue",
    "thread",   "event",     "loop",   "percent",  "window",  "budget",
    "capacity", "knee",      "ramp",   "baseline", "gate",    "report",
    "chart",    "histogram", "bucket", "sample",   "signal",  "noise",
    "careful",  "honest",    "open",   "closed",   "arrival", "user",
    "think",    "wait",      "retry",  "quota"};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

}  // namespace

int CountTokens(std::string_view text) {
  int tokens = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = IsSpace(c);
    if (!space && !in_word) ++tokens;
    in_word = !space;
  }
  return tokens;
}

TokenSource TokenSource::Generated(uint64_t seed) {
  TokenSource source;
  source.rng_ = Rng(seed);
  return source;
}

TokenSource TokenSource::FromText(std::string_view text) {
  TokenSource source;
  source.text_ = text;
  source.remaining_ = CountTokens(text);
  return source;
}

bool TokenSource::Next(std::string* out) {
  if (remaining_ >= 0) {
    if (remaining_ == 0) return false;
    // Leading whitespace belongs to the token; the first token of the
    // response drops it so the text does not start with a space.
    size_t start = 0;
    while (start < text_.size() && IsSpace(text_[start])) ++start;
    size_t end = start;
    while (end < text_.size() && !IsSpace(text_[end])) ++end;
    out->append(text_.substr(emitted_ == 0 ? start : 0,
                             emitted_ == 0 ? end - start : end));
    text_.remove_prefix(end);
    --remaining_;
    ++emitted_;
    return true;
  }
  if (sentence_left_ == 0) sentence_left_ = 6 + rng_.Next() % 10;
  if (emitted_ > 0) out->push_back(' ');
  out->append(kWords[rng_.Next() % kWords.size()]);
  if (--sentence_left_ == 0) out->push_back('.');
  ++emitted_;
  return true;
}

}  // namespace loadgate::services::mock_llm
