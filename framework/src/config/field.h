// Field: one value of a config document and its field path ("load.stages[0]"),
// with typed accessors that validate as they read, so every mistake in a
// file is reported as one ConfigError naming the file, the path and what was
// expected.
#ifndef LOADGATE_CONFIG_FIELD_H_
#define LOADGATE_CONFIG_FIELD_H_

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadgate::config {

// Ordered, so headers, captures and error messages follow the file's order.
using Json = nlohmann::ordered_json;

// The upper bounds for Field::Integer of a value kept in an int or an
// int64_t.
inline constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
inline constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// One value of a document and where it sits. Every accessor validates the
// type and throws ConfigError naming the path and what was expected.
class Field {
 public:
  Field(const Json& value, std::string path, const std::string& file)
      : value_(&value), path_(std::move(path)), file_(&file) {}

  const Json& json() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }

  [[noreturn]] void Fail(const std::string& message) const;
  // "expected <what>, got <this value>".
  [[noreturn]] void Expected(std::string_view what) const;

  // Objects. ExpectObject() also rejects members not in `known`, suggesting
  // the closest known name.
  void ExpectObject(std::initializer_list<std::string_view> known) const;
  bool Has(std::string_view key) const;
  std::optional<Field> Get(std::string_view key) const;
  Field Require(std::string_view key) const;
  // The members of an object (any names), in file order.
  std::vector<std::pair<std::string, Field>> Members() const;

  // A list; `allow_empty` false rejects [].
  std::vector<Field> Items(bool allow_empty = false) const;

  std::string String() const;  // a non-empty string
  // A string, or a number/boolean written as text (for data values).
  std::string ScalarText() const;
  double Number() const;
  double PositiveNumber() const;
  double NonNegativeNumber() const;
  int64_t Integer(int64_t min, int64_t max) const;
  bool Bool() const;
  // "250ms", "10s", "1m30s"; `allow_zero` accepts "0".
  std::chrono::nanoseconds Duration(bool allow_zero = false) const;
  // A fraction in [0, 1], as a number (0.05) or a percentage ("5%").
  double Fraction() const;
  // The index of the string in `options`.
  size_t Choice(const std::vector<std::string>& options) const;

  Field Member(std::string_view key, const Json& value) const;
  Field Element(size_t index, const Json& value) const;

 private:
  const Json* value_;
  std::string path_;
  const std::string* file_;
};

// How a value reads in an error message: "fast" (quoted), 12, true, null,
// an object, a list.
std::string DescribeValue(const Json& value);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_FIELD_H_
