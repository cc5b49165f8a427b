// Reading config documents: the file's bytes (bounded), then JSON or YAML
// into one nlohmann JSON value that Field (field.h) walks; also the small
// text helpers every config reader shares (paths relative to a file, numbers
// written as text, "did you mean" suggestions).
#include "config/document.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "config/yaml_document.h"
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

}  // namespace config
}  // namespace loadgate
