#include "engine/template.h"

#include <algorithm>
#include <stdexcept>

namespace loadgate::engine {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool NeedsPercentEncoding(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}':
      return true;
    default:
      return false;
  }
}

void AppendEscaped(std::string& out, std::string_view value,
                   Escaping escaping) {
  switch (escaping) {
    case Escaping::kNone:
      out.append(value);
      return;
    case Escaping::kRequestTarget: {
      static constexpr char kHex[] = "0123456789ABCDEF";
      for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (NeedsPercentEncoding(byte)) {
          const char encoded[3] = {'%', kHex[byte >> 4], kHex[byte & 15]};
          out.append(encoded, 3);
        } else {
          out.push_back(c);
        }
      }
      return;
    }
    case Escaping::kHeaderValue:
      for (char c : value) {
        if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
      }
      return;
  }
}

}  // namespace

Template Template::Compile(std::string_view text,
                           const std::vector<std::string>& variables,
                           std::string_view where) {
  Template result;
  auto add_literal = [&result](std::string_view literal) {
    if (literal.empty()) return;
    if (!result.segments_.empty() && result.segments_.back().variable < 0) {
      result.segments_.back().literal_size +=
          static_cast<uint32_t>(literal.size());
    } else {
      result.segments_.push_back(
          {static_cast<uint32_t>(result.literals_.size()),
           static_cast<uint32_t>(literal.size()), -1});
    }
    result.literals_.append(literal);
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t brace = text.find('{', i);
    if (brace == std::string_view::npos) {
      add_literal(text.substr(i));
      break;
    }
    add_literal(text.substr(i, brace - i));
    if (brace + 1 < text.size() && text[brace + 1] == '{') {
      add_literal("{");
      i = brace + 2;
      continue;
    }
    size_t end = brace + 1;
    while (end < text.size() && IsNameChar(text[end])) ++end;
    if (end == brace + 1 || end >= text.size() || text[end] != '}') {
      add_literal("{");  // not a placeholder: a literal brace
      i = brace + 1;
      continue;
    }
    const std::string_view name = text.substr(brace + 1, end - brace - 1);
    const auto found = std::find(variables.begin(), variables.end(), name);
    if (found == variables.end()) {
      throw std::invalid_argument(std::string(where) +
                                  ": unknown template variable {" +
                                  std::string(name) + "}");
    }
    result.segments_.push_back(
        {0, 0, static_cast<int>(found - variables.begin())});
    ++result.variable_count_;
    i = end + 1;
  }
  return result;
}

void Template::AppendTo(std::string& out,
                        std::span<const std::string_view> values,
                        Escaping escaping) const {
  for (const Segment& segment : segments_) {
    if (segment.variable < 0) {
      out.append(literals_, segment.literal_begin, segment.literal_size);
    } else {
      AppendEscaped(out, values[segment.variable], escaping);
    }
  }
}

}  // namespace loadgate::engine
