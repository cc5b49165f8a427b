// Request templates: "{name}" placeholders in URLs, header values and
// bodies, compiled once at the start of a run into literal and variable
// segments and expanded into reused buffers on the hot path.
#ifndef LOADGATE_ENGINE_TEMPLATE_H_
#define LOADGATE_ENGINE_TEMPLATE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loadgate::engine {

// How expanded variable values are made safe for where they land.
enum class Escaping {
  kNone,           // bodies: values verbatim
  kRequestTarget,  // URLs: bytes not allowed in a request target
                   // (controls, space, non-ASCII, "<>\^`{|}) are
                   // percent-encoded; '/', '?', '&', '=' stay as given
  kHeaderValue,    // header values: CR, LF and NUL are dropped
};

class Template {
 public:
  Template() = default;

  // A placeholder is '{', a name of letters, digits, '_', '-' or '.', and
  // '}'; "{{" is a literal '{'; any other '{' is literal, so JSON bodies need
  // no escaping. Names are looked up in `variables` (their index is the
  // slot the value comes from). Throws std::invalid_argument
  // "<where>: unknown template variable {name}" for a name not there.
  static Template Compile(std::string_view text,
                          const std::vector<std::string>& variables,
                          std::string_view where);

  bool is_literal() const { return variable_count_ == 0; }
  // The text of a literal template (only valid when is_literal()).
  std::string_view literal() const { return literals_; }
  // Appends the expansion; values[i] is the value of variable slot i.
  void AppendTo(std::string& out, std::span<const std::string_view> values,
                Escaping escaping) const;

 private:
  struct Segment {
    uint32_t literal_begin = 0;
    uint32_t literal_size = 0;
    int variable = -1;  // -1: a literal segment
  };
  std::string literals_;
  std::vector<Segment> segments_;
  int variable_count_ = 0;
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_TEMPLATE_H_
