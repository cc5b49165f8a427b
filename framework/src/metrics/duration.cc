#include "loadgate/duration.h"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "http/text.h"
#include "metrics/json_document.h"

namespace loadgate {
namespace {

constexpr std::string_view kExpected =
    "expected a duration such as \"250ms\", \"10s\", \"1m30s\", \"1h\" or "
    "\"500us\" (units ns, us, ms, s, m, h)";

[[noreturn]] void Fail(std::string_view text, std::string_view why) {
  throw std::invalid_argument("invalid duration \"" + EscapeUnprintable(text) +
                              "\": " + EscapeUnprintable(why) + "; " +
                              std::string(kExpected));
}

// Nanoseconds per unit, or 0 when `unit` is not one.
double UnitNanoseconds(std::string_view unit) {
  struct Unit {
    std::string_view name;
    double nanoseconds;
  };
  static constexpr Unit kUnits[] = {
      {"ns", 1},  {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
  };
  for (const Unit& known : kUnits) {
    if (known.name == unit) return known.nanoseconds;
  }
  return 0;
}

bool IsNumberChar(char c) { return (c >= '0' && c <= '9') || c == '.'; }

// `number` is digits with at most one '.'. Far below a nanosecond it is 0;
// too large for a double it is too large for any duration.
double NumberValue(std::string_view text, const std::string& number) {
  double value = 0;
  const auto [end, error] =
      std::from_chars(number.data(), number.data() + number.size(), value);
  if (error == std::errc::result_out_of_range) {
    const bool below_one = number.find_first_not_of('0') == number.find('.');
    if (below_one) return 0;
    Fail(text, "it does not fit in 64-bit nanoseconds");
  }
  if (error != std::errc() || end != number.data() + number.size()) {
    Fail(text, "expected a number, got \"" + number + "\"");
  }
  return value;
}

}  // namespace

std::chrono::nanoseconds ParseDuration(std::string_view text) {
  const std::string_view trimmed = http::Trim(text, " \t\r\n");
  if (trimmed.empty()) Fail(text, "it is empty");
  if (trimmed == "0") return std::chrono::nanoseconds(0);
  if (trimmed[0] == '-') Fail(text, "it is negative");
  double total_ns = 0;
  size_t pos = 0;
  while (pos < trimmed.size()) {
    const size_t number_start = pos;
    while (pos < trimmed.size() && IsNumberChar(trimmed[pos])) ++pos;
    const std::string number(trimmed.substr(number_start, pos - number_start));
    if (number.empty() || number == "." ||
        number.find('.') != number.rfind('.')) {
      Fail(text, "expected a number at \"" +
                     std::string(trimmed.substr(number_start)) + "\"");
    }
    // The unit is everything up to the next number, so "10sec" is an
    // unknown unit rather than "10s" followed by garbage.
    const size_t unit_start = pos;
    while (pos < trimmed.size() && !IsNumberChar(trimmed[pos])) ++pos;
    const std::string_view unit = trimmed.substr(unit_start, pos - unit_start);
    const double unit_ns = UnitNanoseconds(unit);
    if (unit_ns == 0) {
      Fail(text, unit.empty() ? "the number " + number + " has no unit"
                              : "unknown unit \"" + std::string(unit) + "\"");
    }
    total_ns += NumberValue(text, number) * unit_ns;
  }
  // 2^63 ns is about 292 years; anything near it is a typo.
  if (!(total_ns < 9.2e18)) Fail(text, "it does not fit in 64-bit nanoseconds");
  return std::chrono::nanoseconds(std::llround(total_ns));
}

}  // namespace loadgate
