#ifndef SERVICES_COMMON_FLAGS_H_
#define SERVICES_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace services {

// Command-line flags of the form `--name=value` or `--name value`; a bool flag
// also takes the bare `--name`. Flags apply in the order given, so a later
// flag overrides an earlier one (and a flag overrides a config file loaded by
// an earlier `--config`).
class FlagParser {
 public:
  // Applies a flag's value; returns false and sets `error` to reject it.
  using Setter =
      std::function<bool(std::string_view value, std::string* error)>;

  explicit FlagParser(std::string summary);

  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddInt(std::string name, int* target, std::string help);
  void AddDouble(std::string name, double* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  void AddCustom(std::string name, std::string value_name, Setter setter,
                 std::string help);

  // Returns false with `error` set on an unknown flag or a bad value.
  // `--help` sets help_requested() and stops parsing.
  bool Parse(int argc, const char* const* argv, std::string* error);
  bool help_requested() const { return help_requested_; }
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string value_name;  // empty for a bool flag
    Setter setter;
    std::string help;
  };
  const Flag* Find(std::string_view name) const;

  std::string summary_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// Strict number parsing (the whole text must be a number).
bool ParseInt64(std::string_view text, int64_t* value);
bool ParseDouble(std::string_view text, double* value);

}  // namespace services

#endif  // SERVICES_COMMON_FLAGS_H_
