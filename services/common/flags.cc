#include "common/flags.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace services {

bool ParseInt64(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty()) return false;
  // strtod needs a terminated string; flags are short.
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(copy.c_str(), &end);
  return errno == 0 && end == copy.c_str() + copy.size();
}

FlagParser::FlagParser(std::string summary) : summary_(std::move(summary)) {}

void FlagParser::AddString(std::string name, std::string* target,
                           std::string help) {
  AddCustom(
      std::move(name), "TEXT",
      [target](std::string_view value, std::string*) {
        target->assign(value);
        return true;
      },
      std::move(help));
}

void FlagParser::AddInt(std::string name, int64_t* target, std::string help) {
  AddCustom(
      std::move(name), "N",
      [target](std::string_view value, std::string* error) {
        if (ParseInt64(value, target)) return true;
        *error = "not an integer: " + std::string(value);
        return false;
      },
      std::move(help));
}

void FlagParser::AddInt(std::string name, int* target, std::string help) {
  AddCustom(
      std::move(name), "N",
      [target](std::string_view value, std::string* error) {
        int64_t parsed = 0;
        if (ParseInt64(value, &parsed) && parsed >= INT32_MIN &&
            parsed <= INT32_MAX) {
          *target = static_cast<int>(parsed);
          return true;
        }
        *error = "not an integer: " + std::string(value);
        return false;
      },
      std::move(help));
}

void FlagParser::AddDouble(std::string name, double* target, std::string help) {
  AddCustom(
      std::move(name), "X",
      [target](std::string_view value, std::string* error) {
        if (ParseDouble(value, target)) return true;
        *error = "not a number: " + std::string(value);
        return false;
      },
      std::move(help));
}

void FlagParser::AddBool(std::string name, bool* target, std::string help) {
  flags_.push_back(Flag{std::move(name), "",
                        [target](std::string_view value, std::string* error) {
                          if (value.empty() || value == "true" ||
                              value == "1") {
                            *target = true;
                          } else if (value == "false" || value == "0") {
                            *target = false;
                          } else {
                            *error = "not a boolean: " + std::string(value);
                            return false;
                          }
                          return true;
                        },
                        std::move(help)});
}

void FlagParser::AddCustom(std::string name, std::string value_name,
                           Setter setter, std::string help) {
  flags_.push_back(Flag{std::move(name), std::move(value_name),
                        std::move(setter), std::move(help)});
}

const FlagParser::Flag* FlagParser::Find(std::string_view name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool FlagParser::Parse(int argc, const char* const* argv, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return true;
    }
    if (arg.substr(0, 2) != "--") {
      *error = "unexpected argument: " + std::string(arg);
      return false;
    }
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = Find(name);
    if (flag == nullptr) {
      *error = "unknown flag: --" + std::string(name);
      return false;
    }
    if (!has_value && !flag->value_name.empty()) {
      if (i + 1 >= argc) {
        *error = "flag --" + std::string(name) + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    std::string why;
    if (!flag->setter(value, &why)) {
      *error = "--" + std::string(name) + ": " + why;
      return false;
    }
  }
  return true;
}

std::string FlagParser::Usage() const {
  std::string usage = summary_ + "\n\nFlags:\n";
  for (const Flag& flag : flags_) {
    std::string head = "  --" + flag.name;
    if (!flag.value_name.empty()) head += " " + flag.value_name;
    usage += head;
    usage.append(head.size() < 28 ? 28 - head.size() : 1, ' ');
    usage += flag.help + "\n";
  }
  return usage;
}

}  // namespace services
