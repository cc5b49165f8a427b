#include "loadgate/format.h"

#include <charconv>
#include <cmath>
#include <string>

namespace loadgate {

std::string FormatFixed(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Room for the largest double in fixed notation (309 digits) and decimals.
  char buffer[400];
  const auto [end, error] = std::to_chars(
      buffer, buffer + sizeof buffer, value, std::chars_format::fixed,
      decimals < 0 ? 0 : (decimals > 60 ? 60 : decimals));
  if (error != std::errc()) return "?";
  std::string text(buffer, end);
  if (text.find_first_not_of("-0.") == std::string::npos && text[0] == '-') {
    text.erase(0, 1);  // -0.00 reads as 0.00
  }
  return text;
}

std::string FormatExact(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[400];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value,
                                          std::chars_format::fixed);
  if (error != std::errc()) return "?";
  return std::string(buffer, end);
}

std::string FormatNumber(double value, int max_decimals) {
  std::string text = FormatFixed(value, max_decimals);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string FormatMilliseconds(double nanoseconds) {
  return FormatNumber(nanoseconds / 1e6) + " ms";
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  const double ns = static_cast<double>(duration.count());
  if (std::abs(ns) < 1e9) return FormatMilliseconds(ns);
  return FormatNumber(ns / 1e9) + " s";
}

std::string FormatPercent(double fraction, int max_decimals) {
  return FormatNumber(100 * fraction, max_decimals) + " %";
}

std::string FormatUsd(double usd) {
  const double magnitude = std::abs(usd);
  const int decimals = magnitude >= 1 ? 2 : magnitude >= 0.01 ? 4 : 6;
  // Appended, not "$" + string: GCC 12 warns falsely (-Wrestrict) on that.
  std::string text = "$";
  return text.append(FormatFixed(usd, decimals));
}

}  // namespace loadgate
