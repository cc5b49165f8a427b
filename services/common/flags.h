#ifndef SERVICES_COMMON_FLAGS_H_
#define SERVICES_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace loadgate::services {

// Command-line flags of the form `--name=value` or `--name value`; a bool flag
// also takes the bare `--name`. Flags apply in the order given, so a later
// flag overrides an earlier one (and a flag overrides a config file loaded by
// an earlier `--config`).
class FlagParser {
 public:
  // Applies a flag's value, or rejects it with a failed Status.
  using Setter = std::function<Status(std::string_view value)>;

  explicit FlagParser(std::string summary);

  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddInt(std::string name, int* target, std::string help);
  void AddDouble(std::string name, double* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  void AddCustom(std::string name, std::string value_name, Setter setter,
                 std::string help);

  // Fails on an unknown flag or a bad value. `--help` sets help_requested()
  // and stops parsing.
  Status Parse(int argc, const char* const* argv);
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

// Strict number parsing: nullopt unless the whole text is a number.
std::optional<int64_t> ParseInt64(std::string_view text);
std::optional<double> ParseDouble(std::string_view text);

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_FLAGS_H_
