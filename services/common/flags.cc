#include "common/flags.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace loadgate::services {

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // strtod needs a terminated string; flags are short.
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size()) return std::nullopt;
  return value;
}

FlagParser::FlagParser(std::string summary) : summary_(std::move(summary)) {}

void FlagParser::AddString(std::string name, std::string* target,
                           std::string help) {
  AddCustom(
      std::move(name), "TEXT",
      [target](std::string_view value) {
        target->assign(value);
        return Status::Ok();
      },
      std::move(help));
}

void FlagParser::AddInt(std::string name, int64_t* target, std::string help) {
  AddCustom(
      std::move(name), "N",
      [target](std::string_view value) {
        const std::optional<int64_t> parsed = ParseInt64(value);
        if (!parsed)
          return Status::Error("not an integer: " + std::string(value));
        *target = *parsed;
        return Status::Ok();
      },
      std::move(help));
}

void FlagParser::AddInt(std::string name, int* target, std::string help) {
  AddCustom(
      std::move(name), "N",
      [target](std::string_view value) {
        const std::optional<int64_t> parsed = ParseInt64(value);
        if (!parsed || *parsed < INT32_MIN || *parsed > INT32_MAX)
          return Status::Error("not an integer: " + std::string(value));
        *target = static_cast<int>(*parsed);
        return Status::Ok();
      },
      std::move(help));
}

void FlagParser::AddDouble(std::string name, double* target, std::string help) {
  AddCustom(
      std::move(name), "X",
      [target](std::string_view value) {
        const std::optional<double> parsed = ParseDouble(value);
        if (!parsed)
          return Status::Error("not a number: " + std::string(value));
        *target = *parsed;
        return Status::Ok();
      },
      std::move(help));
}

void FlagParser::AddBool(std::string name, bool* target, std::string help) {
  flags_.push_back(
      Flag{std::move(name), "",
           [target](std::string_view value) {
             if (value.empty() || value == "true" || value == "1") {
               *target = true;
             } else if (value == "false" || value == "0") {
               *target = false;
             } else {
               return Status::Error("not a boolean: " + std::string(value));
             }
             return Status::Ok();
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

Status FlagParser::Parse(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return Status::Ok();
    }
    if (arg.substr(0, 2) != "--")
      return Status::Error("unexpected argument: " + std::string(arg));
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
    if (flag == nullptr)
      return Status::Error("unknown flag: --" + std::string(name));
    if (!has_value && !flag->value_name.empty()) {
      if (i + 1 >= argc)
        return Status::Error("flag --" + std::string(name) + " needs a value");
      value = argv[++i];
    }
    if (Status applied = flag->setter(value); !applied.ok())
      return applied.Prefixed("--" + std::string(name) + ": ");
  }
  return Status::Ok();
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

}  // namespace loadgate::services
