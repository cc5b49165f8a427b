// Reading config documents: JSON and YAML both become one nlohmann JSON
// value, which Field then walks with the field path of every value at hand,
// so every validation error can name the file, the path and the expectation.
#ifndef LOADGATE_CONFIG_DOCUMENT_H_
#define LOADGATE_CONFIG_DOCUMENT_H_

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/config.h"

namespace loadgate::config {

// Ordered, so headers, captures and error messages follow the file's order.
using Json = nlohmann::ordered_json;

// Config files are small; anything larger is a mistake (or /dev/zero).
inline constexpr size_t kMaxConfigFileBytes = size_t{64} << 20;

// The whole file as text. Throws ConfigError ("cannot read: ...") for a
// missing or unreadable file, a directory, or one above `max_bytes`.
std::string ReadConfigFile(const std::string& path,
                           size_t max_bytes = kMaxConfigFileBytes);

// Parses JSON or YAML (YAML plain scalars are typed by the YAML 1.2 core
// schema, quoted ones stay strings). Throws ConfigError, with the line where
// known and the path of the field reached, for an empty document, syntax
// errors, numbers out of range, invalid UTF-8, duplicate keys, nesting
// deeper than kMaxJsonDepth, and in YAML for non-scalar keys, tags outside
// the core schema, more than one document and aliases that expand too far.
// The result holds only valid UTF-8, so it can be dumped safely.
Json ParseDocument(std::string_view text, ConfigFormat format,
                   const std::string& source_name);

// The folder part of `path` with a trailing '/', or "" for a bare file name.
std::string FolderOf(const std::string& path);
// `path` when absolute, else `folder` + `path`.
std::string ResolveRelative(const std::string& folder, const std::string& path);

// The whole of `text` as a finite decimal number ("12", "-0.5", "1e3"), or
// nullopt.
std::optional<double> ParseNumberText(std::string_view text);

// The closest of `candidates` to `word` when it is close enough to be a
// likely typo, else "".
std::string ClosestMatch(std::string_view word,
                         const std::vector<std::string>& candidates);

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

#endif  // LOADGATE_CONFIG_DOCUMENT_H_
