// The syntax of distributed runs: "K/N" for a shard of a test (`--shard`,
// LOADGATE_SHARD) and the instant the shards start (`--start-at`).
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <optional>
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

// "2026-12-06T14:30:00Z", "2026-12-06T15:30:00.5+01:00" (RFC 3339, 'T' or
// ' ', 'Z' or 'z' or an offset) in Unix seconds; nullopt for anything else.
std::optional<double> Rfc3339Seconds(std::string_view text) {
  const std::string copy(text);
  std::tm utc{};
  const char* rest = strptime(copy.c_str(), "%Y-%m-%d", &utc);
  if (rest == nullptr || (*rest != 'T' && *rest != 't' && *rest != ' ')) {
    return std::nullopt;
  }
  rest = strptime(rest + 1, "%H:%M:%S", &utc);
  if (rest == nullptr) return std::nullopt;
  double seconds = static_cast<double>(timegm(&utc));
  if (*rest == '.') {
    const char* digits = rest + 1;
    double scale = 0.1;
    for (rest = digits; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) {
      seconds += (*rest - '0') * scale;
    }
    if (rest == digits) return std::nullopt;
  }
  if ((*rest == 'Z' || *rest == 'z') && rest[1] == '\0') return seconds;
  if ((*rest == '+' || *rest == '-') && std::strlen(rest) == 6 &&
      rest[3] == ':') {
    const int hours = ParseWhole(std::string_view(rest + 1, 2));
    const int minutes = ParseWhole(std::string_view(rest + 4, 2));
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
      return std::nullopt;
    }
    const double offset = hours * 3600.0 + minutes * 60.0;
    return *rest == '+' ? seconds - offset : seconds + offset;
  }
  return std::nullopt;
}

}  // namespace

std::chrono::system_clock::time_point ParseStartTime(std::string_view text) {
  std::optional<double> seconds = Rfc3339Seconds(text);
  if (!seconds && !text.empty() &&
      text.find_first_not_of("0123456789.") == std::string_view::npos) {
    double value = 0;
    const auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) {
      seconds = value;
    }
  }
  // Before 2001 or after 2286 is a typo, not a start time.
  if (!seconds || *seconds < 1e9 || *seconds >= 1e10) {
    throw std::invalid_argument(
        "expected Unix seconds (1796567400) or an RFC 3339 time "
        "(2026-12-06T14:30:00Z), got \"" +
        EscapeUnprintable(text) + "\"");
  }
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(*seconds)));
}

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
