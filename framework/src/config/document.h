// Reading config documents: JSON and YAML both become one nlohmann JSON
// value, which Field (field.h) then walks with the field path of every value
// at hand, so every validation error can name the file, the path and the
// expectation. Also the text helpers the config readers share.
#ifndef LOADGATE_CONFIG_DOCUMENT_H_
#define LOADGATE_CONFIG_DOCUMENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/field.h"
#include "loadgate/config.h"

namespace loadgate::config {

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

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_DOCUMENT_H_
