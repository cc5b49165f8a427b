#include "config/document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "loadgate/duration.h"

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

ConfigError::ConfigError(std::string file, std::string field,
                         std::string message, int line)
    : std::runtime_error(ComposeWhat(file, field, message, line)),
      file_(std::move(file)),
      field_(std::move(field)),
      message_(std::move(message)),
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

std::string ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path, "",
                      std::string("cannot read: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(path, "",
                      std::string("cannot read: ") + std::strerror(errno));
  }
  return text.str();
}

namespace {

// YAML 1.2 core schema resolution of an untagged plain scalar.
Json ResolvePlainScalar(const std::string& text) {
  static const std::regex kInteger("[-+]?[0-9]+");
  static const std::regex kFloat(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text.empty() || text == "~" || text == "null" || text == "Null" ||
      text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInteger)) {
    int64_t value = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [end, error] =
        std::from_chars(begin, text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) return value;
  }
  if (std::regex_match(text, kFloat)) {
    if (std::optional<double> value = ParseNumberText(text)) return *value;
  }
  return text;
}

Json YamlToJson(const YAML::Node& node, const std::string& source_name) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      // "!" marks a quoted scalar and "!!str" an explicit string: both stay
      // strings ("1" is text, 1 is a number).
      const std::string& tag = node.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return ResolvePlainScalar(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      for (const YAML::Node& element : node) {
        array.push_back(YamlToJson(element, source_name));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& member : node) {
        const int line = member.first.Mark().line + 1;
        if (!member.first.IsScalar()) {
          throw ConfigError(source_name, "",
                            "expected a plain field name as a key", line);
        }
        const std::string& key = member.first.Scalar();
        if (object.contains(key)) {
          throw ConfigError(source_name, "", "duplicate field \"" + key + "\"",
                            line);
        }
        object[key] = YamlToJson(member.second, source_name);
      }
      return object;
    }
  }
  return nullptr;
}

Json ParseYaml(std::string_view text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    throw ConfigError(source_name, "",
                      "syntax error at column " +
                          std::to_string(error.mark.column + 1) + ": " +
                          error.msg,
                      error.mark.line + 1);
  }
  return YamlToJson(root, source_name);
}

// nlohmann's messages read "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error while parsing ..."; keep the part after the
// position and report the position our way.
Json ParseJson(std::string_view text, const std::string& source_name) {
  // Duplicate keys are silently overwritten by nlohmann; a callback sees
  // each key as it is read, with one set of seen keys per open object.
  std::vector<std::set<std::string>> open_objects;
  auto reject_duplicates = [&](int /*depth*/, Json::parse_event_t event,
                               Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second) {
          throw ConfigError(
              source_name, "",
              "duplicate field \"" + parsed.get<std::string>() + "\"");
        }
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), reject_duplicates);
  } catch (const Json::parse_error& error) {
    const size_t offset =
        std::min<size_t>(error.byte == 0 ? 0 : error.byte - 1, text.size());
    const int line = 1 + static_cast<int>(std::count(
                             text.begin(), text.begin() + offset, '\n'));
    const size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const size_t column =
        offset -
        (line_start == std::string_view::npos || offset == 0 ? 0
                                                             : line_start + 1) +
        1;
    std::string detail = error.what();
    if (size_t position = detail.find("column ");
        position != std::string::npos) {
      if (size_t colon = detail.find(": ", position);
          colon != std::string::npos) {
        detail = detail.substr(colon + 2);
      }
    }
    throw ConfigError(
        source_name, "",
        "syntax error at column " + std::to_string(column) + ": " + detail,
        line);
  }
}

}  // namespace

Json ParseDocument(std::string_view text, ConfigFormat format,
                   const std::string& source_name) {
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
      if (text.size() <= kMaxShown) return Json(text).dump();
      return Json(text.substr(0, kMaxShown)).dump() + "...";
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
