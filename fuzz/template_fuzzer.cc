// Request templates as users write them in scenario files, and the values
// a data set or a capture from a response puts into them. Input: the
// template text, a newline, then the value given to every variable.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template.h"
#include "fuzz_support.h"

namespace {

using loadgate::engine::Escaping;
using loadgate::engine::Template;

const std::vector<std::string> kVariables = {"id", "user.name", "a-b", "_",
                                             "X1"};

std::string Expand(const Template& compiled, std::string_view value,
                   Escaping escaping) {
  const std::vector<std::string_view> values(kVariables.size(), value);
  std::string out;
  compiled.AppendTo(out, values, escaping);
  return out;
}

// "{{" is the one escape, read left to right.
std::string Unescaped(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') ++i;
  }
  return out;
}

bool AllowedInRequestTarget(unsigned char c) {
  return c > 0x20 && c < 0x7f &&
         std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) ==
             std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = loadgate::fuzz::AsText(data, size);
  const size_t newline = input.find('\n');
  const std::string_view text = input.substr(0, newline);
  const std::string_view value = newline == std::string_view::npos
                                     ? std::string_view()
                                     : input.substr(newline + 1);
  Template compiled;
  try {
    compiled = Template::Compile(text, kVariables, "fuzz");
  } catch (const std::invalid_argument&) {
    return 0;  // an unknown variable: the documented error
  }

  // Placeholders that expand to themselves leave only the "{{" escapes.
  std::vector<std::string> self(kVariables.size());
  for (size_t i = 0; i < kVariables.size(); ++i) {
    self[i] = "{" + kVariables[i] + "}";
  }
  const std::vector<std::string_view> self_views(self.begin(), self.end());
  std::string round_trip;
  compiled.AppendTo(round_trip, self_views, Escaping::kNone);
  loadgate::fuzz::Expect(round_trip == Unescaped(text),
                         "placeholders and literals are split where written");
  if (compiled.is_literal()) {
    loadgate::fuzz::Expect(compiled.literal() == Unescaped(text),
                           "a literal template is its unescaped text");
  }

  // Each escaping applied to the value on its own.
  const Template only_value = Template::Compile("{id}", kVariables, "fuzz");
  loadgate::fuzz::Expect(Expand(only_value, value, Escaping::kNone) == value,
                         "bodies take values verbatim");
  for (unsigned char c : Expand(only_value, value, Escaping::kRequestTarget)) {
    loadgate::fuzz::Expect(AllowedInRequestTarget(c),
                           "URL values are percent-encoded");
  }
  for (char c : Expand(only_value, value, Escaping::kHeaderValue)) {
    loadgate::fuzz::Expect(c != '\r' && c != '\n' && c != '\0',
                           "header values cannot split the header");
  }
  Expand(compiled, value, Escaping::kRequestTarget);
  return 0;
}
