// YAML config documents: yaml-cpp's events into the same JSON value a JSON
// file becomes, with the YAML 1.2 core schema's typing of plain scalars and
// the checks YAML needs beyond JSON (one document, scalar keys, known tags,
// bounded aliases).
#include "config/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "config/document.h"
#include "metrics/json_document.h"

namespace loadgate::config {
namespace {

size_t CountDigits(std::string_view text, size_t from) {
  size_t end = from;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  return end - from;
}

size_t SignLength(std::string_view text) {
  return !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
}

// [-+]?[0-9]+ and [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the
// core schema's integer and float. Matched by hand: std::regex recurses per
// character and a long scalar overflowed the stack.
bool IsCoreInteger(std::string_view text) {
  const size_t sign = SignLength(text);
  return text.size() > sign && CountDigits(text, sign) == text.size() - sign;
}

bool IsCoreFloat(std::string_view text) {
  size_t i = SignLength(text);
  const size_t whole = CountDigits(text, i);
  i += whole;
  size_t fraction = 0;
  if (i < text.size() && text[i] == '.') {
    fraction = CountDigits(text, ++i);
    i += fraction;
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    i += 1 + SignLength(text.substr(i + 1));
    const size_t exponent = CountDigits(text, i);
    if (exponent == 0) return false;
    i += exponent;
  }
  return i == text.size();
}

// YAML 1.2 core schema resolution of an untagged plain scalar.
Json ResolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" ||
      text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (IsCoreInteger(text)) {
    int64_t value = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [end, error] =
        std::from_chars(begin, text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) return value;
  }
  if (IsCoreFloat(text)) {
    if (std::optional<double> value = ParseNumberText(text)) return *value;
  }
  return text;
}

// The core schema's tags are this followed by str, int, float, bool, null,
// seq or map; other tags (!!binary, !!timestamp, application tags) are
// refused rather than read as something they are not.
constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// yaml-cpp's events into the document, with what YAML adds to JSON checked
// on the way: one document, scalar keys, valid UTF-8, known tags, and
// aliases whose expansion stays bounded (a "billion laughs" of nested
// aliases would otherwise take all memory when copied out).
class YamlReader : public YAML::EventHandler {
 public:
  explicit YamlReader(const std::string& source_name)
      : source_name_(source_name) {}

  Json Take() { return builder_.Take(); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    At(mark);
    if (++documents_ > 1) {
      Fail("expected one YAML document, found a second (after \"---\")");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    At(mark);
    if (builder_.ExpectsKey()) Fail("expected a field name as a key, got null");
    Remember(anchor, *builder_.Add(nullptr));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    At(mark);
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) {
      Fail("an alias refers to the value that contains it");
    }
    const auto& [value, size] = found->second;
    if (builder_.ExpectsKey()) {
      if (!value.is_string()) Fail("expected a plain field name as a key");
      Key(value.get<std::string>());
      return;
    }
    alias_values_ += size;
    if (alias_values_ > kMaxAliasValues) {
      Fail("aliases expand to more than " + std::to_string(kMaxAliasValues) +
           " values");
    }
    builder_.Add(value);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    At(mark);
    if (std::optional<size_t> bad = FindInvalidUtf8(value)) {
      Fail("invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of " +
           DescribeValue(value));
    }
    if (builder_.ExpectsKey()) {
      Key(value);
      return;
    }
    Remember(anchor, *builder_.Add(Resolve(tag, value)));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Open(mark, tag, "seq", anchor, Json::array());
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Open(mark, tag, "map", anchor, Json::object());
  }
  void OnMapEnd() override { Close(); }

 private:
  // Values that aliases may add, over the whole document.
  static constexpr size_t kMaxAliasValues = 100000;

  void At(const YAML::Mark& mark) { line_ = mark.line + 1; }

  [[noreturn]] void Fail(const std::string& message) const {
    throw ConfigError(source_name_, builder_.Path(), message, line_);
  }

  void Key(std::string key) {
    try {
      builder_.Key(std::move(key));
    } catch (const JsonDocumentError& error) {
      throw ConfigError(source_name_, error.path(), error.message(), line_);
    }
  }

  void Open(const YAML::Mark& mark, const std::string& tag,
            std::string_view kind, YAML::anchor_t anchor, Json container) {
    At(mark);
    if (builder_.ExpectsKey()) Fail("expected a plain field name as a key");
    if (tag != "?" && tag != "!" &&
        tag != std::string(kTagPrefix) + std::string(kind)) {
      Fail("unsupported tag \"" + tag + "\" on a " +
           (kind == "seq" ? "list" : "mapping"));
    }
    try {
      builder_.Open(std::move(container));
    } catch (const JsonDocumentError& error) {
      throw ConfigError(source_name_, error.path(), error.message(), line_);
    }
    open_anchors_.push_back(anchor);
  }

  void Close() {
    const Json& closed = *builder_.Close();
    Remember(open_anchors_.back(), closed);
    open_anchors_.pop_back();
  }

  void Remember(YAML::anchor_t anchor, const Json& value) {
    if (anchor == YAML::NullAnchor) return;
    anchors_[anchor] = {value, CountValues(value)};
  }

  static size_t CountValues(const Json& value) {
    size_t count = 1;
    if (value.is_structured()) {
      for (const Json& child : value) count += CountValues(child);
    }
    return count;
  }

  // "!" marks a non-plain (quoted, block) scalar and "?" a plain one.
  Json Resolve(const std::string& tag, const std::string& value) const {
    if (tag == "!" || tag == std::string(kTagPrefix) + "str") return value;
    const Json resolved = ResolvePlainScalar(value);
    if (tag == "?") return resolved;
    const std::string_view name = std::string_view(tag).substr(
        tag.starts_with(kTagPrefix) ? kTagPrefix.size() : 0);
    const bool matches = tag.starts_with(kTagPrefix) &&
                         ((name == "int" && resolved.is_number_integer()) ||
                          (name == "float" && resolved.is_number()) ||
                          (name == "bool" && resolved.is_boolean()) ||
                          (name == "null" && resolved.is_null()));
    if (!matches) {
      const bool known =
          tag.starts_with(kTagPrefix) && (name == "int" || name == "float" ||
                                          name == "bool" || name == "null");
      Fail(known ? "expected a valid !!" + std::string(name) + ", got " +
                       DescribeValue(value)
                 : "unsupported tag \"" + tag +
                       "\" (core-schema tags only: !!str, !!int, !!float, "
                       "!!bool, !!null, !!seq, !!map)");
    }
    return resolved;
  }

  const std::string& source_name_;
  JsonDocumentBuilder builder_;
  std::vector<YAML::anchor_t> open_anchors_;
  std::map<YAML::anchor_t, std::pair<Json, size_t>> anchors_;
  size_t alias_values_ = 0;
  int documents_ = 0;
  int line_ = 0;
};

}  // namespace

Json ParseYaml(std::string_view text, const std::string& source_name) {
  std::istringstream in{std::string(text)};
  YamlReader reader(source_name);
  try {
    YAML::Parser parser(in);
    // The second call only looks for a further document, which is refused.
    if (parser.HandleNextDocument(reader)) parser.HandleNextDocument(reader);
  } catch (const YAML::Exception& error) {
    throw ConfigError(source_name, "",
                      "syntax error at column " +
                          std::to_string(error.mark.column + 1) + ": " +
                          error.msg,
                      error.mark.line + 1);
  }
  return reader.Take();
}

}  // namespace loadgate::config
