// Field: typed, validating access to one value of a config document, with
// errors that name the file, the field path and what was expected.
#include "config/field.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "config/document.h"
#include "loadgate/duration.h"
#include "metrics/json_document.h"

namespace loadgate::config {
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

}  // namespace loadgate::config
