// Shared by the fuzz targets: the input as text, and the split-feeding
// property of the streaming parsers (the same bytes fed whole or in pieces
// give the same transcript of callbacks and results).
#ifndef LOADGATE_FUZZ_FUZZ_SUPPORT_H_
#define LOADGATE_FUZZ_FUZZ_SUPPORT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/exact_bytes.h"

namespace loadgate::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The ways a streaming target cuts its input: one byte at a time (every
// boundary at once), and at a handful of points chosen by the input's own
// bytes, so the fuzzer explores cuts as it mutates the input. Pieces are
// views into `data`.
inline std::vector<std::vector<std::string_view>> SplitsOf(
    std::string_view data) {
  std::vector<std::vector<std::string_view>> splits;
  std::vector<std::string_view>& bytes = splits.emplace_back();
  for (size_t i = 0; i < data.size(); ++i) bytes.push_back(data.substr(i, 1));

  if (data.size() < 2) return splits;
  uint64_t state = 1469598103934665603ull;  // FNV-1a of the input
  for (unsigned char c : data) state = (state ^ c) * 1099511628211ull;
  auto next = [&state] {  // xorshift64
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<size_t> cuts(1 + next() % 8);
  for (size_t& cut : cuts) cut = 1 + next() % (data.size() - 1);
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::string_view>& pieces = splits.emplace_back();
  size_t begin = 0;
  for (size_t cut : cuts) {
    pieces.push_back(data.substr(begin, cut - begin));
    begin = cut;
  }
  pieces.push_back(data.substr(begin));
  return splits;
}

// A piece in a heap buffer of exactly its size, so a parser that reads past
// the end of what it was given trips AddressSanitizer instead of reading the
// next piece's bytes (the unit tests' helper).
using ExactCopy = test_support::ExactBytes;

// Stops the run (a crash the fuzzer saves) when the transcript of a split
// feed differs from the whole feed's.
inline void ExpectSameTranscript(const std::string& whole,
                                 const std::string& split,
                                 const std::vector<std::string_view>& pieces) {
  if (whole == split) return;
  std::fprintf(stderr,
               "split feeding changed the result (%zu pieces)\n"
               "--- whole:\n%s\n--- split:\n%s\n",
               pieces.size(), whole.c_str(), split.c_str());
  __builtin_trap();
}

// Stops the run when a property the parser documents does not hold.
inline void Expect(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  __builtin_trap();
}

}  // namespace loadgate::fuzz

#endif  // LOADGATE_FUZZ_FUZZ_SUPPORT_H_
