// "K/N" as `--shard` and LOADGATE_SHARD write a shard of a test.
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

#include "loadgate/config.h"
#include "metrics/json_document.h"

namespace loadgate {
namespace {

// The whole of `text` as an int; -1 when it is not one.
int ParseWhole(std::string_view text) {
  int value = -1;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return -1;
  return value;
}

}  // namespace

Shard ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  const int index =
      slash == std::string_view::npos ? -1 : ParseWhole(text.substr(0, slash));
  const int count =
      slash == std::string_view::npos ? -1 : ParseWhole(text.substr(slash + 1));
  if (index < 0 || count < 1 || index >= count) {
    throw std::invalid_argument(
        "expected K/N with 0 <= K < N, e.g. 2/4 (shard 2 of 4), got \"" +
        EscapeUnprintable(text) + "\"");
  }
  return {index, count};
}

}  // namespace loadgate
