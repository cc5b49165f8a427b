#include "config/document.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "loadgate/duration.h"
#include "metrics/json_document.h"

namespace loadgate {

namespace {

std::string ComposeWhat(const std::string& file, const std::string& field,
                        const std::string& message, int line) {
  std::string what = file + ": ";
  if (line > 0) what += "line " + std::to_string(line) + ": ";
  if (!field.empty()) what += field + ": ";
  return what + message;
}

}  // namespace

// Every part may quote bytes of the file (a value, a key, yaml-cpp's or
// nlohmann's account of a syntax error) or its name: they are escaped here,
// once, so that no message can carry invalid UTF-8 or control characters.
ConfigError::ConfigError(std::string file, std::string field,
                         std::string message, int line)
    : std::runtime_error(ComposeWhat(EscapeUnprintable(file),
                                     EscapeUnprintable(field),
                                     EscapeUnprintable(message), line)),
      file_(EscapeUnprintable(file)),
      field_(EscapeUnprintable(field)),
      message_(EscapeUnprintable(message)),
      line_(line) {}

ConfigFormat FormatForPath(const std::string& path) {
  std::string extension;
  if (size_t dot = path.rfind('.');
      dot != std::string::npos && path.find('/', dot) == std::string::npos) {
    extension = path.substr(dot + 1);
  }
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension == "json") return ConfigFormat::kJson;
  if (extension == "yaml" || extension == "yml") return ConfigFormat::kYaml;
  throw ConfigError(path, "",
                    "expected a file name ending in .json, .yaml or .yml");
}

namespace config {

std::string ReadConfigFile(const std::string& path, size_t max_bytes) {
  const auto fail = [&](const std::string& why) {
    throw ConfigError(path, "", "cannot read: " + why);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat status {};
  if (::fstat(fd, &status) != 0) fail(std::strerror(errno));
  if (S_ISDIR(status.st_mode)) fail("it is a directory, not a file");
  std::string text;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(std::strerror(errno));
    if (got == 0) return text;
    // A bound, so that /dev/zero or a runaway file ends in an error rather
    // than in all the memory there is.
    if (text.size() + static_cast<size_t>(got) > max_bytes) {
      fail("larger than " + std::to_string(max_bytes >> 20) + " MiB");
    }
    text.append(buffer, static_cast<size_t>(got));
  }
}

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

Json ParseJson(std::string_view text, const std::string& source_name) {
  try {
    return ParseJsonDocument(text);
  } catch (const JsonDocumentError& error) {
    const std::string where =
        error.line() > 0
            ? "syntax error at column " + std::to_string(error.column()) + ": "
            : "";
    throw ConfigError(source_name, error.path(), where + error.message(),
                      error.line());
  }
}

}  // namespace

Json ParseDocument(std::string_view text, ConfigFormat format,
                   const std::string& source_name) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ConfigError(source_name, "", "the file is empty; expected an object");
  }
  return format == ConfigFormat::kYaml ? ParseYaml(text, source_name)
                                       : ParseJson(text, source_name);
}

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::string ResolveRelative(const std::string& folder,
                            const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return folder + path;
}

std::optional<double> ParseNumberText(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] != b[j - 1]);
      current[j] =
          std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::string ClosestMatch(std::string_view word,
                         const std::vector<std::string>& candidates) {
  // A typo changes a few characters; beyond a third of the word it is more
  // likely a different word than a misspelling.
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

namespace {

// `text` as a JSON string literal, except that bytes which are not UTF-8
// (a JSON string cannot hold them) are shown as \xHH.
std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  while (true) {
    const size_t bad = FindInvalidUtf8(text).value_or(text.size());
    const std::string run = Json(std::string(text.substr(0, bad))).dump();
    quoted.append(run, 1, run.size() - 2);
    if (bad == text.size()) return quoted + "\"";
    quoted += EscapeUnprintable(text.substr(bad, 1));
    text.remove_prefix(bad + 1);
  }
}

}  // namespace

std::string DescribeValue(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::null:
      return "nothing (null)";
    case Json::value_t::string: {
      constexpr size_t kMaxShown = 40;
      const std::string& text = value.get_ref<const std::string&>();
      const std::string_view shown = Utf8Prefix(text, kMaxShown);
      return Quote(shown) + (shown.size() < text.size() ? "..." : "");
    }
    default:
      return value.dump();
  }
}

void Field::Fail(const std::string& message) const {
  throw ConfigError(file(), path_, message);
}

void Field::Expected(std::string_view what) const {
  Fail("expected " + std::string(what) + ", got " + DescribeValue(json()));
}

void Field::ExpectObject(std::initializer_list<std::string_view> known) const {
  if (!json().is_object()) Expected("an object");
  for (const auto& member : json().items()) {
    const std::string& key = member.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = "unknown field \"" + key + "\"";
    const std::string suggestion =
        ClosestMatch(key, std::vector<std::string>(known.begin(), known.end()));
    if (!suggestion.empty()) {
      message += " (did you mean \"" + suggestion + "\"?)";
    }
    Fail(message);
  }
}

bool Field::Has(std::string_view key) const {
  return json().is_object() && json().contains(key);
}

std::optional<Field> Field::Get(std::string_view key) const {
  if (!json().is_object()) Expected("an object");
  auto found = json().find(key);
  if (found == json().end()) return std::nullopt;
  return Member(key, *found);
}

Field Field::Require(std::string_view key) const {
  std::optional<Field> field = Get(key);
  if (!field) Fail("missing required field \"" + std::string(key) + "\"");
  return *field;
}

std::vector<std::pair<std::string, Field>> Field::Members() const {
  if (!json().is_object()) Expected("an object");
  std::vector<std::pair<std::string, Field>> members;
  for (const auto& member : json().items()) {
    members.emplace_back(member.key(), Member(member.key(), member.value()));
  }
  return members;
}

std::vector<Field> Field::Items(bool allow_empty) const {
  if (!json().is_array()) Expected("a list");
  if (json().empty() && !allow_empty) Expected("a non-empty list");
  std::vector<Field> items;
  for (size_t i = 0; i < json().size(); ++i)
    items.push_back(Element(i, json()[i]));
  return items;
}

std::string Field::String() const {
  if (!json().is_string() || json().get_ref<const std::string&>().empty()) {
    Expected("a non-empty string");
  }
  return json().get<std::string>();
}

std::string Field::ScalarText() const {
  if (json().is_string()) return json().get<std::string>();
  if (json().is_number() || json().is_boolean()) return json().dump();
  Expected("a string or a number");
}

double Field::Number() const {
  if (!json().is_number()) Expected("a number");
  return json().get<double>();
}

double Field::PositiveNumber() const {
  if (!json().is_number() || !(json().get<double>() > 0)) {
    Expected("a positive number");
  }
  return json().get<double>();
}

double Field::NonNegativeNumber() const {
  if (!json().is_number() || json().get<double>() < 0) {
    Expected("a number >= 0");
  }
  return json().get<double>();
}

int64_t Field::Integer(int64_t min, int64_t max) const {
  std::string range = "an integer";
  if (max == std::numeric_limits<int64_t>::max()) {
    range += " >= " + std::to_string(min);
  } else {
    range += " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  }
  if (!json().is_number_integer()) Expected(range);
  const int64_t value =
      json().is_number_unsigned()
          ? static_cast<int64_t>(std::min<uint64_t>(
                json().get<uint64_t>(), std::numeric_limits<int64_t>::max()))
          : json().get<int64_t>();
  if (value < min || value > max) Expected(range);
  return value;
}

bool Field::Bool() const {
  if (!json().is_boolean()) Expected("true or false");
  return json().get<bool>();
}

std::chrono::nanoseconds Field::Duration(bool allow_zero) const {
  const std::string expectation =
      std::string("a duration such as \"250ms\", \"10s\" or \"1m30s\"") +
      (allow_zero ? "" : " (above zero)");
  if (!json().is_string()) Expected(expectation);
  std::chrono::nanoseconds duration{0};
  try {
    duration = ParseDuration(json().get_ref<const std::string&>());
  } catch (const std::invalid_argument&) {
    Expected(expectation);
  }
  if (duration.count() == 0 && !allow_zero) Expected(expectation);
  return duration;
}

double Field::Fraction() const {
  constexpr std::string_view kExpectation =
      "a fraction in [0, 1] or a percentage such as \"5%\"";
  std::optional<double> fraction;
  if (json().is_number()) {
    fraction = json().get<double>();
  } else if (json().is_string()) {
    std::string_view text = json().get_ref<const std::string&>();
    if (!text.empty() && text.back() == '%') {
      text.remove_suffix(1);
      if (std::optional<double> percent = ParseNumberText(text)) {
        fraction = *percent / 100;
      }
    }
  }
  if (!fraction || *fraction < 0 || *fraction > 1) Expected(kExpectation);
  return *fraction;
}

size_t Field::Choice(const std::vector<std::string>& options) const {
  std::string expectation = "one of";
  for (size_t i = 0; i < options.size(); ++i) {
    expectation += (i == 0 ? " " : ", ") + options[i];
  }
  if (json().is_string()) {
    auto found = std::find(options.begin(), options.end(),
                           json().get_ref<const std::string&>());
    if (found != options.end()) return found - options.begin();
  }
  Expected(expectation);
}

Field Field::Member(std::string_view key, const Json& value) const {
  return Field(
      value, path_.empty() ? std::string(key) : path_ + "." + std::string(key),
      file());
}

Field Field::Element(size_t index, const Json& value) const {
  return Field(value, path_ + "[" + std::to_string(index) + "]", file());
}

}  // namespace config
}  // namespace loadgate
