#ifndef LOADGATE_HTTP_TEXT_H_
#define LOADGATE_HTTP_TEXT_H_

#include <cstddef>
#include <string_view>

// The ASCII text primitives the HTTP code shares: header names, tokens and
// URL schemes are ASCII and case-insensitive, whatever the locale says.
namespace loadgate::http {

inline constexpr size_t kNotFound = std::string_view::npos;

inline char ToLower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

// `text` without the characters of `whitespace` at either end (by default
// space and tab: the optional whitespace around a header's value).
inline std::string_view Trim(std::string_view text,
                             std::string_view whitespace = " \t") {
  const size_t first = text.find_first_not_of(whitespace);
  if (first == kNotFound) return {};
  return text.substr(first, text.find_last_not_of(whitespace) - first + 1);
}

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_TEXT_H_
